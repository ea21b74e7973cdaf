/**
 * Stable IRIs of frameworks and competencies, shared by everything that names them outside the
 * engine: the pipeline's write-back statements, observation statements, Open Badges alignments
 * and the IEEE 1484.20.3 (SCD) export's node ids. One definition, so all of them name a
 * competency the same way.
 */

const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

/** Whether `s` is an absolute IRI (a scheme, a colon, no white space). */
export function isAbsoluteIri(s: string): boolean {
  return ABSOLUTE_IRI.test(s);
}

/** A stable activity IRI for a framework: its id when that is an IRI, else a URN naming it. */
export function frameworkIri(frameworkId: string): string {
  return isAbsoluteIri(frameworkId) ? frameworkId : `urn:competency-lrs:framework:${encodeURIComponent(frameworkId)}`;
}

/**
 * A stable activity IRI for a competency: its id when that is already an IRI (CASE item URIs are
 * global), else derived from the framework's IRI and the competency id.
 */
export function competencyIri(frameworkId: string, competencyId: string): string {
  if (isAbsoluteIri(competencyId)) return competencyId;
  if (/^https?:\/\/[^#\s]+$/i.test(frameworkId)) return `${frameworkId.replace(/\/+$/, '')}/competencies/${encodeURIComponent(competencyId)}`;
  return `urn:competency-lrs:competency:${encodeURIComponent(frameworkId)}:${encodeURIComponent(competencyId)}`;
}
