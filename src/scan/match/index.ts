export { evaluateAffected, isAffected } from './range.ts';
export type { AffectedVersions, RangeVerdict } from './range.ts';
export { distroEcosystems, goReleaseVersion, matchPackages, PURL_TYPE_TO_ECOSYSTEM } from './match.ts';
export type { Finding, FindingSeverity, MatchPackage, MatchProblem, MatchResult, SeverityLevel } from './match.ts';
