/**
 * Java catalogers: Maven POMs, Gradle lockfiles and verification metadata, and JAR-family
 * archives. Each is one genericCataloger binding globs to a plain parser function.
 */
import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { parseJavaArchive } from './archive/parser.ts';
import { parseGradleLockfile, parseGradleVerificationMetadata } from './gradle.ts';
import { parsePomXml } from './pom/parser.ts';

export const pomCataloger = genericCataloger('java-pom', [{ globs: ['**/pom.xml'], parse: parsePomXml }]);

export const gradleCataloger = genericCataloger('java-gradle', [
  // gradle.lockfile, buildscript-gradle.lockfile, settings-gradle.lockfile; Gradle < 7's per-configuration files
  { globs: ['**/*gradle.lockfile', '**/dependency-locks/*.lockfile'], parse: parseGradleLockfile },
  { globs: ['**/gradle/verification-metadata.xml'], parse: parseGradleVerificationMetadata },
]);

export const archiveCataloger = genericCataloger('java-archive', [
  // Archives are real code wherever they are, node_modules included (npm packages ship JARs).
  { globs: ['**/*.jar', '**/*.war', '**/*.ear', '**/*.jpi', '**/*.hpi'], parse: parseJavaArchive },
], { skipUnder: [] });

export const catalogers: readonly Cataloger[] = [pomCataloger, gradleCataloger, archiveCataloger];

export { parseGradleLockfile, parseGradleVerificationMetadata, parseJavaArchive, parsePomXml };
