export { cvssBaseScore, cvssLevel, preferSeverity, ratingLevel, severityOf, severityRank } from './severity.ts';
export type { CvssVersion, FindingSeverity, SeverityInput, SeverityLevel } from './severity.ts';
