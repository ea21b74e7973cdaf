/**
 * One thing wrong with a piece of client input, located by a JSON-ish path such as
 * `statements[3].actor.mbox`. Validators return lists of these; the service turns a non-empty
 * list into one 400 error that names every problem.
 */
export interface ValidationProblem {
  /** Where the problem is, e.g. `actor.mbox` or `statements[2].context.contextAgents[0].agent`. */
  path: string;
  /** What is wrong, written for the client developer, e.g. `must be a mailto IRI`. */
  message: string;
}
