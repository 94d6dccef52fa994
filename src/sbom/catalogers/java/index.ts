/**
 * Java catalogers: Maven POMs, Gradle lockfiles and verification metadata, and JAR-family
 * archives. Each is one genericCataloger binding globs to a plain parser function.
 */
import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { parsePomXml } from './pom/parser.ts';

export const pomCataloger = genericCataloger('java-pom', [{ globs: ['**/pom.xml'], parse: parsePomXml }]);

export const catalogers: readonly Cataloger[] = [pomCataloger];

export { parsePomXml };
