import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import { BASIC, startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';
import { listen } from './helpers/listen';

/**
 * Statements with attachments (xAPI 1.0.3 Communication §1.5.2, Data §2.4.11), in both versions:
 * multipart/mixed bodies are built by hand here, byte for byte, so each rule can be broken alone.
 */

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

interface Part { headers: Record<string, string>; body: Buffer | string }

/** A multipart/mixed body: `--boundary`, headers, blank line, content, CRLF, ..., `--boundary--`. */
function multipart(parts: Part[], boundary = `b-${randomBytes(6).toString('hex')}`): { contentType: string; body: Buffer } {
  const out: Buffer[] = [];
  for (const p of parts) {
    out.push(Buffer.from(`--${boundary}\r\n${Object.entries(p.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`), Buffer.from(p.body), Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: Buffer.concat(out) };
}

const jsonPart = (value: unknown): Part => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });
const contentPart = (content: Buffer | string, over: Record<string, string> = {}): Part => ({
  headers: { 'Content-Type': 'text/plain', 'Content-Transfer-Encoding': 'binary', 'X-Experience-API-Hash': sha256(content), ...over },
  body: content,
});
const attachment = (content: Buffer | string, over: Record<string, unknown> = {}) => ({
  usageType: 'http://id.tincanapi.com/attachment/certificate-of-completion',
  display: { 'en-US': 'Certificate' },
  contentType: 'text/plain',
  length: Buffer.byteLength(content),
  sha2: sha256(content),
  ...over,
});

/** Splits a multipart response into parts (headers lower-cased, body as bytes). */
function parseMultipart(contentType: string, body: Buffer): Array<{ headers: Record<string, string>; body: Buffer }> {
  const boundary = /boundary=([^;]+)/.exec(contentType)![1]!;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: Record<string, string>; body: Buffer }> = [];
  let pos = body.indexOf(delimiter);
  for (;;) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), start);
    const raw = body.subarray(start + 2, next);
    const split = raw.indexOf('\r\n\r\n');
    const headers = Object.fromEntries(raw.subarray(0, split).toString().split('\r\n').map((l) => {
      const i = l.indexOf(':');
      return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
    }));
    parts.push({ headers, body: raw.subarray(split + 4) });
    pos = next + 2;
  }
  return parts;
}

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

async function getMultipart(version: string, url: string) {
  const res = await xapi(lrs.app, version).get(url).buffer(true).parse(binary).expect(200);
  expect(res.headers['content-type']).toMatch(/^multipart\/mixed; boundary=/);
  return { res, parts: parseMultipart(res.headers['content-type']!, res.body as Buffer) };
}

function post(version: string, m: { contentType: string; body: Buffer }) {
  return xapi(lrs.app, version).post('/xapi/statements').set('Content-Type', m.contentType).send(m.body);
}

async function storedContents(): Promise<{ contents: number; files: number; chunks: number; uploads: number }> {
  const db = lrs.container.db;
  const [contents, files, chunks, uploads] = await Promise.all(['attachment_contents', 'attachments.files', 'attachments.chunks', 'attachment_uploads'].map((c) => db.collection(c).countDocuments()));
  return { contents: contents!, files: files!, chunks: chunks!, uploads: uploads! };
}

/** Runs `fn`, then checks it left no attachment content behind. */
async function leavesNothing(fn: () => Promise<unknown>): Promise<void> {
  const before = await storedContents();
  await fn();
  expect(await storedContents()).toEqual(before);
}

describe.each(['1.0.3', '2.0.0'])('attachments, X-Experience-API-Version %s', (version) => {
  it('stores a statement with an attachment part; GET ?attachments=true returns the statement, then the content', async () => {
    const content = `certificate for ${randomUUID()}`;
    const s = statement({ attachments: [attachment(content)] });
    const res = await post(version, multipart([jsonPart(s), contentPart(content)])).expect(200);
    const [id] = res.body as string[];

    const { parts } = await getMultipart(version, `/xapi/statements?statementId=${id}&attachments=true`);
    expect(parts).toHaveLength(2);
    expect(parts[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(parts[0]!.body.toString()).attachments).toEqual([attachment(content)]);
    expect(parts[1]!.headers).toMatchObject({ 'content-type': 'text/plain', 'content-transfer-encoding': 'binary', 'x-experience-api-hash': sha256(content) });
    expect(parts[1]!.body.toString()).toBe(content);
  });

  it('answers HEAD ?attachments=true with the multipart headers and no body', async () => {
    const content = randomUUID();
    const [id] = (await post(version, multipart([jsonPart(statement({ attachments: [attachment(content)] })), contentPart(content)])).expect(200)).body as string[];
    const res = await xapi(lrs.app, version).head(`/xapi/statements?statementId=${id}&attachments=true`).expect(200);
    expect(res.headers['content-type']).toMatch(/^multipart\/mixed; boundary=/);
    expect(res.headers['x-experience-api-consistent-through']).toBeDefined();
  });

  it('refuses multipart/mixed through the 1.0.3 alternate request syntax, whose body is a form', async () => {
    const form = new URLSearchParams({ 'Content-Type': 'multipart/mixed; boundary=b', content: '--b--', 'X-Experience-API-Version': '1.0.3' });
    const res = await request(lrs.app).post('/xapi/statements?method=PUT').set('Authorization', BASIC).type('form').send(form.toString());
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/alternate request syntax/);
  });

  it('answers attachments=false (the default) with exactly application/json and no content', async () => {
    const content = randomUUID();
    const [id] = (await post(version, multipart([jsonPart(statement({ attachments: [attachment(content)] })), contentPart(content)])).expect(200)).body as string[];
    const res = await xapi(lrs.app, version).get(`/xapi/statements?statementId=${id}&attachments=false`).expect(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body.attachments[0].sha2).toBe(sha256(content));
  });

  it('keeps binary content byte for byte, including bytes that look like a delimiter', async () => {
    const content = Buffer.concat([randomBytes(300_000), Buffer.from('\r\n--not-the-boundary\r\n'), randomBytes(5)]);
    const s = statement({ attachments: [attachment(content, { contentType: 'application/pdf' })] });
    const [id] = (await post(version, multipart([jsonPart(s), contentPart(content, { 'Content-Type': 'application/pdf' })])).expect(200)).body as string[];
    const { parts } = await getMultipart(version, `/xapi/statements?statementId=${id}&attachments=true`);
    expect(parts[1]!.headers['content-type']).toBe('application/pdf');
    expect(sha256(parts[1]!.body)).toBe(sha256(content));
  });

  it('stores a batch in one request; a list query returns each content once, deduplicated by sha2', async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`;
    const shared = `shared ${randomUUID()}`;
    const own = `own ${randomUUID()}`;
    const batch = [
      statement({ verb: { id: verb }, attachments: [attachment(shared)] }),
      statement({ verb: { id: verb }, attachments: [attachment(shared), attachment(own)] }),
    ];
    // The shared content is sent once (Communication §1.5.2.s2.b2.b5).
    const res = await post(version, multipart([jsonPart(batch), contentPart(shared), contentPart(own)])).expect(200);
    expect(res.body).toHaveLength(2);
    const { parts } = await getMultipart(version, `/xapi/statements?verb=${encodeURIComponent(verb)}&attachments=true`);
    expect(JSON.parse(parts[0]!.body.toString()).statements).toHaveLength(2);
    expect(parts.slice(1).map((p) => p.body.toString()).sort()).toEqual([own, shared].sort());
  });

  it('stores content once per hash, shared by the statements of later requests', async () => {
    const content = `once ${randomUUID()}`;
    const before = await storedContents();
    await post(version, multipart([jsonPart(statement({ attachments: [attachment(content)] })), contentPart(content)])).expect(200);
    await post(version, multipart([jsonPart(statement({ attachments: [attachment(content)] })), contentPart(content)])).expect(200);
    const after = await storedContents();
    expect(after.contents - before.contents).toBe(1);
    expect(after.files - before.files).toBe(1);
    expect(after.uploads).toBe(0);
  });

  it('accepts fileUrl-only attachments in a multipart request; they have no part in the answer', async () => {
    const content = `with part ${randomUUID()}`;
    const remote = attachment('remote', { fileUrl: 'https://example.com/remote.txt' });
    const [id] = (await post(version, multipart([jsonPart(statement({ attachments: [remote, attachment(content)] })), contentPart(content)])).expect(200)).body as string[];
    const { parts } = await getMultipart(version, `/xapi/statements?statementId=${id}&attachments=true`);
    expect(parts.map((p) => p.headers['x-experience-api-hash'])).toEqual([undefined, sha256(content)]);
  });

  it('accepts a multipart request without attachments, and one with only fileUrl attachments', async () => {
    await post(version, multipart([jsonPart(statement())])).expect(200);
    await post(version, multipart([jsonPart(statement({ attachments: [attachment('x', { fileUrl: 'https://example.com/x' })] }))])).expect(200);
  });

  it('stores with PUT ?statementId= too', async () => {
    const id = randomUUID();
    const content = `put ${randomUUID()}`;
    const m = multipart([jsonPart(statement({ attachments: [attachment(content)] })), contentPart(content)]);
    await xapi(lrs.app, version).put(`/xapi/statements?statementId=${id}`).set('Content-Type', m.contentType).send(m.body).expect(204);
    const { parts } = await getMultipart(version, `/xapi/statements?statementId=${id}&attachments=true`);
    expect(parts[1]!.body.toString()).toBe(content);
  });

  it('verifies SHA-384 and SHA-512 values too', async () => {
    const content = `long hash ${randomUUID()}`;
    for (const algorithm of ['sha384', 'sha512']) {
      const sha2 = createHash(algorithm).update(content).digest('hex');
      const s = statement({ attachments: [attachment(content, { sha2 })] });
      await post(version, multipart([jsonPart(s), contentPart(content, { 'X-Experience-API-Hash': sha2 })])).expect(200);
      const wrong = statement({ attachments: [attachment(`${content}!`, { sha2 })] });
      await post(version, multipart([jsonPart(wrong), contentPart(`${content}!`, { 'X-Experience-API-Hash': sha2 })])).expect(400);
    }
  });

  it('accepts a quoted boundary with the special characters of the specification example', async () => {
    const content = 'here is a simple attachment';
    const boundary = "abcABC0123'()+_,-./:=?";
    const m = multipart([jsonPart(statement({ attachments: [attachment(content)] })), contentPart(content)], boundary);
    await xapi(lrs.app, version).post('/xapi/statements').set('Content-Type', `multipart/mixed; boundary="${boundary}"`).send(m.body).expect(200);
  });

  describe('rejects, storing nothing', () => {
    const rejects = async (m: { contentType: string; body: Buffer }, status: number, message: RegExp, ids: string[] = []) => {
      await leavesNothing(async () => {
        const res = await post(version, m).expect(status);
        expect(res.body.error.message).toMatch(message);
        expect(res.headers['x-experience-api-version']).toBe(version);
      });
      for (const id of ids) await xapi(lrs.app, version).get(`/xapi/statements?statementId=${id}`).expect(404);
    };

    it('an attachment without fileUrl whose part is missing, naming the statement and attachment', async () => {
      const id = randomUUID();
      const sent = 'sent';
      const batch = [statement(), statement({ id, attachments: [attachment(sent), attachment(`missing ${randomUUID()}`)] })];
      await rejects(multipart([jsonPart(batch), contentPart(sent)]), 400, /statements\[1\]\.attachments\[1\]: has no fileUrl and no part/, [id]);
    });

    it('a part that no attachment references', async () => {
      const id = randomUUID();
      await rejects(multipart([jsonPart(statement({ id })), contentPart(`extra ${randomUUID()}`)]), 400, /part 1 has X-Experience-API-Hash [0-9a-f]{64}, the sha2 of no attachment/, [id]);
    });

    it('content that does not hash to its X-Experience-API-Hash, naming the attachment', async () => {
      const id = randomUUID();
      const declared = `declared ${randomUUID()}`;
      const m = multipart([jsonPart(statement({ id, attachments: [attachment(declared)] })), contentPart(randomBytes(600_000), { 'X-Experience-API-Hash': sha256(declared) })]);
      await rejects(m, 400, /part 1: its content hashes to [0-9a-f]{64}, not to its X-Experience-API-Hash .* \(attachments\[0\]\)/, [id]);
    });

    it('a part without X-Experience-API-Hash, and one without Content-Transfer-Encoding: binary', async () => {
      const content = `c ${randomUUID()}`;
      const s = statement({ attachments: [attachment(content)] });
      const noHash = contentPart(content);
      delete noHash.headers['X-Experience-API-Hash'];
      await rejects(multipart([jsonPart(s), noHash]), 400, /part 1 has no X-Experience-API-Hash/);
      const noEncoding = contentPart(content);
      delete noEncoding.headers['Content-Transfer-Encoding'];
      await rejects(multipart([jsonPart(s), noEncoding]), 400, /Content-Transfer-Encoding: binary/);
      await rejects(multipart([jsonPart(s), contentPart(content, { 'Content-Transfer-Encoding': 'base64' })]), 400, /not base64/);
    });

    it('a first part that is not application/json, and statements split over two parts', async () => {
      const content = `c ${randomUUID()}`;
      const s = statement({ attachments: [attachment(content)] });
      await rejects(multipart([{ headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(s) }, contentPart(content)]), 400, /first part must hold the statements as application\/json/);
      await rejects(multipart([jsonPart(s), jsonPart(statement()), contentPart(content)]), 400, /part 1 has no X-Experience-API-Hash/);
    });

    it('an invalid statement in the first part, before reading the attachments', async () => {
      const content = `c ${randomUUID()}`;
      await rejects(multipart([jsonPart(statement({ verb: { id: 'not an iri' }, attachments: [attachment(content)] })), contentPart(content)]), 400, /verb\.id/);
    });

    it('a multipart body without a boundary parameter or without its closing delimiter', async () => {
      const content = `c ${randomUUID()}`;
      const m = multipart([jsonPart(statement({ attachments: [attachment(content)] })), contentPart(content)]);
      await rejects({ contentType: 'multipart/mixed', body: m.body }, 400, /boundary/);
      await rejects({ contentType: m.contentType, body: m.body.subarray(0, m.body.length - 10) }, 400, /closing boundary/);
    });

    it('multipart/form-data', async () => {
      const m = multipart([jsonPart(statement())]);
      await rejects({ contentType: m.contentType.replace('mixed', 'form-data'), body: m.body }, 400, /application\/json or multipart\/mixed/);
    });

    it('a statement that conflicts with a stored one, after its content was written', async () => {
      const id = randomUUID();
      await xapi(lrs.app, version).post('/xapi/statements').send(statement({ id })).expect(200);
      const content = randomBytes(400_000);
      await rejects(multipart([jsonPart(statement({ id, result: { success: false }, attachments: [attachment(content)] })), contentPart(content)]), 409, new RegExp(id));
    });

    it('a rejected request does not remove content that a stored statement shares', async () => {
      const content = `shared ${randomUUID()}`;
      const [kept] = (await post(version, multipart([jsonPart(statement({ attachments: [attachment(content)] })), contentPart(content)])).expect(200)).body as string[];
      await post(version, multipart([jsonPart(statement({ verb: { id: 'bad' }, attachments: [attachment(content)] })), contentPart(content)])).expect(400);
      const { parts } = await getMultipart(version, `/xapi/statements?statementId=${kept}&attachments=true`);
      expect(parts[1]!.body.toString()).toBe(content);
    });
  });
});

describe('attachment limits', () => {
  let small: TestLrs;
  beforeAll(async () => { small = await startTestLrs({ LRS_ATTACHMENT_MAX_BYTES: String(256 * 1024) }); });
  afterAll(async () => { await small.close(); });

  it('answers 413 to a multipart request whose Content-Length is over LRS_ATTACHMENT_MAX_BYTES, before reading it', async () => {
    const content = randomBytes(300 * 1024);
    const m = multipart([jsonPart(statement({ attachments: [attachment(content)] })), contentPart(content)]);
    const res = await request(small.app).post('/xapi/statements').set({ Authorization: BASIC, 'X-Experience-API-Version': '2.0.0', 'Content-Type': m.contentType }).send(m.body);
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/LRS_ATTACHMENT_MAX_BYTES/);
  });

  it('answers 413 to a chunked request (no Content-Length) once the bytes read pass the limit, and keeps nothing', async () => {
    const server = await listen(small.app);
    try {
      const content = randomBytes(600 * 1024);
      const m = multipart([jsonPart(statement({ attachments: [attachment(content)] })), contentPart(content)]);
      const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${server.origin}/xapi/statements`, {
          method: 'POST',
          headers: { Authorization: BASIC, 'X-Experience-API-Version': '2.0.0', 'Content-Type': m.contentType, 'Transfer-Encoding': 'chunked' },
        }, (res) => {
          let body = '';
          res.on('data', (c) => { body += c; });
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        // The server may close the connection while we still write: that is the point.
        req.on('error', (err) => (/EPIPE|ECONNRESET/.test(err.message) ? undefined : reject(err)));
        for (let i = 0; i < m.body.length; i += 64 * 1024) req.write(m.body.subarray(i, i + 64 * 1024));
        req.end();
      });
      expect(status.status).toBe(413);
      expect(status.body).toMatch(/LRS_ATTACHMENT_MAX_BYTES/);
      const db = small.container.db;
      expect(await db.collection('attachments.chunks').countDocuments()).toBe(0);
      expect(await db.collection('attachment_uploads').countDocuments()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('answers 413 when the statements part alone exceeds LRS_BODY_LIMIT_BYTES', async () => {
    const tight = await startTestLrs({ LRS_BODY_LIMIT_BYTES: '2048' });
    try {
      const m = multipart([jsonPart(statement({ result: { response: 'x'.repeat(4000) } }))]);
      await request(tight.app).post('/xapi/statements').set({ Authorization: BASIC, 'X-Experience-API-Version': '2.0.0', 'Content-Type': m.contentType }).send(m.body).expect(413);
    } finally {
      await tight.close();
    }
  });
});

describe('clean-up of content left by crashed requests', () => {
  it('removes unfinished uploads and unreferenced content older than the cut-off, and keeps what statements use', async () => {
    const contents = lrs.container.attachments;
    const repo = await import('../src/attachments/attachment-contents.repository');
    const raw = repo.attachmentContentsRepository(lrs.container.db);
    const store = 'sweep-store';
    // A request that died mid-upload: an upload record and some chunks, no content document.
    const died = await raw.openUpload(store, 'a'.repeat(64));
    await new Promise((resolve) => died.stream.write(randomBytes(300 * 1024), resolve));
    // A request that died after committing its content, before storing its statements.
    const orphan = await raw.openUpload(store, 'b'.repeat(64));
    await new Promise<void>((resolve) => orphan.stream.end(Buffer.from('orphan'), () => resolve()));
    await raw.commit({ store, sha2: 'b'.repeat(64), fileId: orphan.fileId, length: 6, contentType: 'text/plain', requestId: 'dead-request' });
    // Content a stored statement uses.
    const used = `used ${randomUUID()}`;
    await post('2.0.0', multipart([jsonPart(statement({ attachments: [attachment(used)] })), contentPart(used)])).expect(200);

    const before = await storedContents();
    expect(await contents.sweep(new Date(Date.now() - 60_000))).toEqual({ uploads: 0, contents: 0 });
    const removed = await contents.sweep(new Date(Date.now() + 60_000));
    expect(removed).toEqual({ uploads: 1, contents: 1 });
    const after = await storedContents();
    expect(after.contents).toBe(before.contents - 1);
    expect(after.files).toBe(before.files - 1);
    expect(after.uploads).toBe(0);
    expect(await lrs.container.db.collection('attachments.chunks').countDocuments({ files_id: died.fileId })).toBe(0);
    expect(await lrs.container.db.collection('attachment_contents').countDocuments({ sha2: sha256(used) })).toBe(1);
  });
});
