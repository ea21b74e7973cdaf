/**
 * Deterministic generator of realistic xAPI statements for the benchmarks: a few thousand learners
 * (mbox and account IFIs) working through cmi5-like courses, with registrations per learner and
 * course, contextActivities parent/grouping/category, results with scores and durations, and
 * choice interactions for `answered`. Each statement is roughly 1–2 KB of JSON.
 *
 * Everything comes from a seeded PRNG (mulberry32, src/engine/testing/prng.ts), so two runs with the same seed produce the same statements
 * (ids included) and the benchmark's query parameters can be drawn from the same population.
 */
import { mulberry32 } from '../src/engine/testing/prng';

const HEX = '0123456789abcdef';

/** A version-4-shaped UUID drawn from `rand`. */
export function uuidFrom(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 32; i++) {
    let d = Math.floor(rand() * 16);
    if (i === 12) d = 4;
    if (i === 16) d = (d & 0x3) | 0x8;
    s += HEX[d];
    if (i === 7 || i === 11 || i === 15 || i === 19) s += '-';
  }
  return s;
}

export const VERBS = {
  launched: 'http://adlnet.gov/expapi/verbs/launched',
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  passed: 'http://adlnet.gov/expapi/verbs/passed',
  failed: 'http://adlnet.gov/expapi/verbs/failed',
  answered: 'http://adlnet.gov/expapi/verbs/answered',
  terminated: 'http://adlnet.gov/expapi/verbs/terminated',
} as const;
export type VerbName = keyof typeof VERBS;

// Rough shape of a cmi5 session stream: many answers, one launch/initialize/terminate per session.
const VERB_WEIGHTS: Array<[VerbName, number]> = [
  ['answered', 40], ['launched', 10], ['initialized', 10], ['terminated', 10], ['completed', 12], ['passed', 12], ['failed', 6],
];
const VERB_TOTAL = VERB_WEIGHTS.reduce((n, [, w]) => n + w, 0);

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'John', 'Katherine', 'Linus', 'Margaret', 'Niklaus', 'Radia', 'Ken', 'Dennis', 'Sophie'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'McCarthy', 'Johnson', 'Torvalds', 'Hamilton', 'Wirth', 'Perlman', 'Thompson', 'Ritchie', 'Wilson'];
const TOPICS = ['Workplace safety', 'Data protection', 'Fire drill', 'First aid', 'Forklift operation', 'Anti-bribery', 'Cyber hygiene', 'Customer care', 'Hazardous materials', 'Leadership basics'];

export interface Learner {
  /** The Agent as it appears in statements. */
  agent: Record<string, unknown>;
}

export interface Course {
  id: string;
  title: string;
  /** Assignable units (cmi5 AUs): the objects of launched/initialized/completed/passed/failed/terminated. */
  aus: string[];
  /** Question activities inside the course: the objects of `answered`. */
  questions: string[];
}

export interface GeneratorOptions {
  seed?: number;
  learners?: number;
  courses?: number;
  /** Time of the first statement's `timestamp`; later ones advance by a few seconds each. */
  start?: Date;
}

export interface StatementGenerator {
  learners: Learner[];
  courses: Course[];
  /** A new statement (with an id). */
  next(): Record<string, unknown>;
  /** `n` new statements. */
  batch(n: number): Array<Record<string, unknown>>;
  /** The registration the generator uses for this learner in this course. */
  registrationOf(learner: number, course: number): string;
  /** The PRNG behind the generator, for picking query parameters from the same population. */
  rand: () => number;
}

export function statementGenerator(opts: GeneratorOptions = {}): StatementGenerator {
  const rand = mulberry32(opts.seed ?? 20_261_120).next;
  const nLearners = opts.learners ?? 3000;
  const nCourses = opts.courses ?? 40;
  let clock = (opts.start ?? new Date('2026-01-05T08:00:00.000Z')).getTime();
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;

  // Registrations are stable per (learner, course): derived from a PRNG seeded by the pair.
  const registrationOf = (learner: number, course: number) => uuidFrom(mulberry32((opts.seed ?? 1) * 7919 + learner * 104_729 + course * 31).next);

  const learners: Learner[] = [];
  for (let i = 0; i < nLearners; i++) {
    const name = `${pick(FIRST)} ${pick(LAST)}`;
    const agent = i % 3 === 2
      ? { objectType: 'Agent', name, account: { homePage: 'https://sso.example.com', name: `emp-${100_000 + i}` } }
      : { objectType: 'Agent', name, mbox: `mailto:learner.${i}@example.com` };
    learners.push({ agent });
  }
  const courses: Course[] = [];
  for (let c = 0; c < nCourses; c++) {
    const base = `https://lms.example.com/courses/c${c}`;
    const aus = Array.from({ length: 4 + int(4) }, (_, u) => `${base}/au/${u}`);
    const questions = Array.from({ length: 20 }, (_, q) => `${base}/au/${q % aus.length}/question/${q}`);
    courses.push({ id: base, title: `${pick(TOPICS)} ${c}`, aus, questions });
  }

  function verbName(): VerbName {
    let r = rand() * VERB_TOTAL;
    for (const [name, w] of VERB_WEIGHTS) { r -= w; if (r < 0) return name; }
    return 'answered';
  }

  const isoDuration = (seconds: number) => `PT${Math.floor(seconds / 60)}M${(seconds % 60).toFixed(2)}S`;

  function next(): Record<string, unknown> {
    const li = int(nLearners);
    const ci = int(nCourses);
    const learner = learners[li] as Learner;
    const course = courses[ci] as Course;
    const verb = verbName();
    const auIndex = int(course.aus.length);
    const au = course.aus[auIndex] as string;
    clock += 500 + int(4000);
    const sessionId = uuidFrom(rand);

    const category = [{
      objectType: 'Activity',
      id: 'https://w3id.org/xapi/cmi5/context/categories/cmi5',
      definition: { type: 'http://adlnet.gov/expapi/activities/profile' },
    }];
    if (verb === 'passed' || verb === 'failed' || verb === 'completed') {
      category.push({ objectType: 'Activity', id: 'https://w3id.org/xapi/cmi5/context/categories/moveon', definition: { type: 'http://adlnet.gov/expapi/activities/profile' } });
    }
    const context: Record<string, unknown> = {
      registration: registrationOf(li, ci),
      contextActivities: {
        parent: [{ objectType: 'Activity', id: verb === 'answered' ? au : course.id }],
        grouping: [{ objectType: 'Activity', id: course.id, definition: { name: { 'en-US': course.title }, type: 'http://adlnet.gov/expapi/activities/course' } }],
        category,
      },
      platform: 'Example LMS 4.2',
      language: 'en-US',
      extensions: {
        'https://w3id.org/xapi/cmi5/context/extensions/sessionid': sessionId,
        'https://w3id.org/xapi/cmi5/context/extensions/masteryscore': 0.75,
      },
    };

    let object: Record<string, unknown>;
    let result: Record<string, unknown> | undefined;
    if (verb === 'answered') {
      const qi = int(course.questions.length);
      const choices = ['a', 'b', 'c', 'd'].map((id) => ({ id: `choice-${id}`, description: { 'en-US': `Option ${id.toUpperCase()} for question ${qi}` } }));
      // A question's definition (correct answer included) is the same in every statement about it.
      const correct = `choice-${'abcd'[(ci * 7 + qi) % 4]}`;
      const response = rand() < 0.7 ? correct : pick(choices).id;
      object = {
        objectType: 'Activity',
        id: course.questions[qi],
        definition: {
          name: { 'en-US': `Question ${qi + 1}` },
          description: { 'en-US': `Which of the following is the right thing to do in situation ${qi + 1} of ${course.title}?` },
          type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
          interactionType: 'choice',
          correctResponsesPattern: [correct],
          choices,
        },
      };
      result = { response, success: response === correct, duration: isoDuration(5 + int(90)), score: { raw: response === correct ? 1 : 0, min: 0, max: 1, scaled: response === correct ? 1 : 0 } };
    } else {
      object = {
        objectType: 'Activity',
        id: au,
        definition: {
          name: { 'en-US': `${course.title}, unit ${auIndex + 1}` },
          description: { 'en-US': `Assignable unit ${auIndex + 1} of the course ${course.title}.` },
          type: 'https://w3id.org/xapi/cmi5/activitytype/block',
        },
      };
      if (verb === 'passed' || verb === 'failed') {
        const scaled = verb === 'passed' ? 0.75 + rand() * 0.25 : rand() * 0.74;
        result = { score: { scaled: Math.round(scaled * 1000) / 1000, raw: Math.round(scaled * 100), min: 0, max: 100 }, success: verb === 'passed', duration: isoDuration(120 + int(3000)) };
      } else if (verb === 'completed') {
        result = { completion: true, duration: isoDuration(120 + int(3000)) };
      } else if (verb === 'terminated') {
        result = { duration: isoDuration(60 + int(3600)) };
      } else if (verb === 'launched') {
        (context.extensions as Record<string, unknown>)['https://w3id.org/xapi/cmi5/context/extensions/launchmode'] = 'Normal';
      }
    }

    const s: Record<string, unknown> = {
      id: uuidFrom(rand),
      actor: learner.agent,
      verb: { id: VERBS[verb], display: { 'en-US': verb } },
      object,
      context,
      timestamp: new Date(clock).toISOString(),
    };
    if (result) s.result = result;
    return s;
  }

  return {
    learners,
    courses,
    next,
    batch: (n) => Array.from({ length: n }, next),
    registrationOf,
    rand,
  };
}
