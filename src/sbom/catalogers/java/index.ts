/**
 * Java catalogers: Maven POMs, Gradle lockfiles and verification metadata, and JAR-family
 * archives. Each is one genericCataloger binding globs to a plain parser function, loaded on
 * demand (ParserBinding.load): only when a source holds its files.
 */
import { genericCataloger, type Cataloger } from '../../generic/index.ts';

export const pomCataloger = genericCataloger('java-pom', [{ globs: ['**/pom.xml'], load: async () => (await import('./pom/parser.ts')).parsePomXml }]);

export const gradleCataloger = genericCataloger('java-gradle', [
  // gradle.lockfile, buildscript-gradle.lockfile, settings-gradle.lockfile; Gradle < 7's per-configuration files
  { globs: ['**/*gradle.lockfile', '**/dependency-locks/*.lockfile'], load: async () => (await import('./gradle.ts')).parseGradleLockfile },
  { globs: ['**/gradle/verification-metadata.xml'], load: async () => (await import('./gradle.ts')).parseGradleVerificationMetadata },
]);

export const archiveCataloger = genericCataloger('java-archive', [
  // Archives are real code wherever they are, node_modules included (npm packages ship JARs).
  { globs: ['**/*.jar', '**/*.war', '**/*.ear', '**/*.jpi', '**/*.hpi'], load: async () => (await import('./archive/parser.ts')).parseJavaArchive },
], { skipUnder: [] });

export const catalogers: readonly Cataloger[] = [pomCataloger, gradleCataloger, archiveCataloger];
