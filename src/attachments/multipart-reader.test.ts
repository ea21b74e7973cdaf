import { Readable } from 'node:stream';
import fc from 'fast-check';
import { readMultipart, type PartHeaders } from './multipart-reader';

interface ReadPart { headers: PartHeaders; body: Buffer }

async function read(chunks: Buffer[], contentType: string, opts: { maxBytes?: number; slowSink?: boolean } = {}): Promise<ReadPart[]> {
  const parts: ReadPart[] = [];
  await readMultipart({
    body: Readable.from(chunks),
    contentType,
    maxBytes: opts.maxBytes ?? Number.MAX_SAFE_INTEGER,
    highWaterMark: 64,
    onPart: (_index, headers) => {
      const pieces: Buffer[] = [];
      return {
        write: async (chunk) => {
          pieces.push(chunk);
          if (opts.slowSink) await new Promise((r) => setImmediate(r));
        },
        end: () => { parts.push({ headers, body: Buffer.concat(pieces) }); },
      };
    },
  });
  return parts;
}

function build(boundary: string, parts: Array<{ headers: Array<[string, string]>; body: Buffer }>, preamble = '', epilogue = ''): Buffer {
  const out: Buffer[] = [Buffer.from(preamble ? `${preamble}\r\n` : '')];
  for (const p of parts) {
    out.push(Buffer.from(`--${boundary}\r\n${p.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`), p.body, Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--${epilogue}`));
  return Buffer.concat(out);
}

/** Splits a buffer at the given cut points (each taken modulo the length). */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (buf.length ? c % buf.length : 0)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) { if (p > prev) { out.push(buf.subarray(prev, p)); prev = p; } }
  out.push(buf.subarray(prev));
  return out.filter((b) => b.length > 0);
}

const BCHARS = "abcxyzABC0123456789'()+_,-./:=?";
const boundaryArb = fc.string({ unit: fc.constantFrom(...BCHARS.split('')), minLength: 1, maxLength: 40 })
  .filter((b) => !b.endsWith(' '));
const headerName = fc.constantFrom('Content-Type', 'X-Experience-API-Hash', 'Content-Transfer-Encoding', 'X-Custom');
const headerValue = fc.string({ unit: fc.constantFrom(...'abc/;=- 0123456789'.split('')), minLength: 1, maxLength: 20 }).map((v) => v.trim() || 'x');
// Bodies include CR, LF and dashes, so near-misses of the delimiter are exercised.
const bodyArb = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(13, 10, 45)), { maxLength: 300 }).map((bytes) => Buffer.from(bytes));

describe('readMultipart', () => {
  it('returns every part with its headers and exact bytes, however the body is split into chunks', async () => {
    await fc.assert(fc.asyncProperty(
      boundaryArb,
      fc.array(fc.record({ headers: fc.uniqueArray(fc.tuple(headerName, headerValue), { selector: ([k]) => k, minLength: 1, maxLength: 3 }), body: bodyArb }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.boolean(),
      async (boundary, parts, cuts, slowSink) => {
        const wire = build(boundary, parts);
        // A body containing the delimiter is the client's error; such cases are not generated.
        fc.pre(parts.every((p) => !Buffer.concat([Buffer.from('\r\n'), p.body, Buffer.from('\r\n')]).includes(`\r\n--${boundary}`)));
        const got = await read(split(wire, cuts), `multipart/mixed; boundary="${boundary}"`, { slowSink });
        expect(got.map((p) => p.body.toString('hex'))).toEqual(parts.map((p) => p.body.toString('hex')));
        expect(got.map((p) => p.headers)).toEqual(parts.map((p) => Object.fromEntries(p.headers.map(([k, v]) => [k.toLowerCase(), v]))));
      },
    ), { numRuns: 300 });
  });

  it('parses the same wherever the body is cut in two (close delimiter and header values included)', async () => {
    const wire = build('a', [{ headers: [['Content-Type', 'x']], body: Buffer.from('hello') }, { headers: [['Content-Type', 'y']], body: Buffer.from('world') }]);
    for (let i = 1; i < wire.length; i++) {
      const got = await read([wire.subarray(0, i), wire.subarray(i)], 'multipart/mixed; boundary=a');
      expect(got.map((p) => `${p.headers['content-type']}=${p.body.toString()}`)).toEqual(['x=hello', 'y=world']);
    }
  });

  it('ignores a preamble and an epilogue, and accepts a body that starts with CRLF (as the ADL test suite sends)', async () => {
    const wire = build('b0', [{ headers: [['Content-Type', 'application/json']], body: Buffer.from('{}') }], 'this is a preamble', '\r\nepilogue\r\n');
    expect((await read([wire], 'multipart/mixed; boundary=b0')).map((p) => p.body.toString())).toEqual(['{}']);
    const leadingCrlf = Buffer.concat([Buffer.from('\r\n'), build('b0', [{ headers: [['Content-Type', 'text/plain']], body: Buffer.from('x') }])]);
    expect((await read([leadingCrlf], 'multipart/mixed; boundary=b0')).map((p) => p.body.toString())).toEqual(['x']);
  });

  it('rejects a content type without a boundary', async () => {
    await expect(read([Buffer.from('--b\r\n\r\nx\r\n--b--')], 'multipart/mixed;')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/boundary/) });
  });

  it('rejects a body without its closing delimiter', async () => {
    await expect(read([Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\nx\r\n')], 'multipart/mixed; boundary=b')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/closing boundary/) });
  });

  it('rejects a part without any header (multipasta needs one; every xAPI part has some)', async () => {
    await expect(read([build('b', [{ headers: [], body: Buffer.from('x') }])], 'multipart/mixed; boundary=b')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/headers/) });
  });

  it('rejects a body that is not multipart at all', async () => {
    await expect(read([Buffer.from('{"actor":{}}')], 'multipart/mixed; boundary=b')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('answers 413 once more than maxBytes arrive, without reading on into the sinks', async () => {
    const wire = build('b', [{ headers: [['X-A', '1']], body: Buffer.alloc(5000, 1) }]);
    await expect(read(split(wire, [100, 2000, 4000]), 'multipart/mixed; boundary=b', { maxBytes: 1000 })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('passes on the first error a sink throws', async () => {
    const wire = build('b', [{ headers: [['X-A', '1']], body: Buffer.from('one') }, { headers: [['X-A', '2']], body: Buffer.from('two') }]);
    const err = new Error('sink failed');
    await expect(readMultipart({
      body: Readable.from([wire]),
      contentType: 'multipart/mixed; boundary=b',
      maxBytes: 1e6,
      onPart: (index) => ({ write: () => { if (index === 1) throw err; }, end: () => undefined }),
    })).rejects.toBe(err);
  });
});
