/**
 * The raw POM: what one pom.xml says, before inheritance and interpolation (Maven POM
 * reference, https://maven.apache.org/pom.html; model 4.0.0). Values are kept exactly as
 * written (`${...}` included), because Maven interpolates only after the parent chain has
 * been merged (maven-model-builder: inheritance, then interpolation, then import of
 * dependencyManagement, then management injection).
 */
import { FileParseError } from '../../../generic/index.ts';
import { child, children, childText, isNode, parseXml, text, type XmlNode } from '../xml.ts';

export interface RawExclusion {
  readonly groupId: string;
  readonly artifactId: string;
}

export interface RawDependency {
  readonly groupId?: string | undefined;
  readonly artifactId?: string | undefined;
  readonly version?: string | undefined;
  readonly type?: string | undefined;
  readonly classifier?: string | undefined;
  readonly scope?: string | undefined;
  readonly optional?: string | undefined;
  readonly exclusions: readonly RawExclusion[];
  /** 1-based line of `<dependency>` in the file it was declared in. */
  readonly line?: number | undefined;
  /** The file that declared it (a parent's dependencies are declared in the parent). */
  readonly declaredIn: string;
}

export interface RawParent {
  readonly groupId?: string | undefined;
  readonly artifactId?: string | undefined;
  readonly version?: string | undefined;
  /** undefined: Maven's default `../pom.xml`; '': explicitly no local lookup. */
  readonly relativePath?: string | undefined;
}

export interface RawPom {
  readonly path: string;
  readonly groupId?: string | undefined;
  readonly artifactId?: string | undefined;
  readonly version?: string | undefined;
  readonly packaging?: string | undefined;
  readonly name?: string | undefined;
  readonly parent?: RawParent | undefined;
  /** In document order; later profiles override earlier values. */
  readonly properties: ReadonlyMap<string, string>;
  readonly dependencies: readonly RawDependency[];
  readonly managed: readonly RawDependency[];
  readonly licenses: readonly string[];
}

/** Elements that may repeat and must always come back as arrays. */
const ARRAY_TAGS: ReadonlySet<string> = new Set(['dependency', 'exclusion', 'license', 'module', 'profile']);

/** Most `<dependency>` elements one POM may declare (real POMs: hundreds at most). */
const MAX_DEPENDENCIES = 20_000;
const MAX_PROPERTIES = 20_000;

/** Parse a POM document. Throws FileParseError when the XML is malformed or is not a `<project>`. */
export function parsePom(textContent: string, path: string): RawPom {
  const doc = parseXml(textContent, ARRAY_TAGS, true);
  const project = doc.root['project'];
  if (!isNode(project)) {
    // `<project/>` parses as '' and is a (useless) POM; anything else is not a POM.
    if (project === '') return emptyPom(path);
    throw new FileParseError('not a Maven POM: the document element is not <project>');
  }

  const properties = new Map<string, string>();
  const dependencies: RawDependency[] = [];
  const managed: RawDependency[] = [];

  const readDeps = (container: unknown, into: RawDependency[]): void => {
    for (const d of children(child(container, 'dependencies'), 'dependency')) {
      if (into.length >= MAX_DEPENDENCIES) throw new FileParseError(`more than ${MAX_DEPENDENCIES} dependencies`);
      into.push(readDependency(d, path, doc.lineOf(d)));
    }
  };
  const readProps = (container: unknown): void => {
    const props = child(container, 'properties');
    if (!isNode(props)) return;
    for (const [k, v] of Object.entries(props)) {
      if (k.startsWith('@_') || k === '#text') continue;
      const value = text(Array.isArray(v) ? (v as unknown[])[0] : v);
      if (value === undefined) continue;
      if (properties.size >= MAX_PROPERTIES) throw new FileParseError(`more than ${MAX_PROPERTIES} properties`);
      properties.set(k, value.trim());
    }
  };

  readProps(project);
  readDeps(project, dependencies);
  readDeps(child(project, 'dependencyManagement'), managed);
  // Profiles: only those active by default can be honoured offline (activation by JDK, OS,
  // property or file depends on the build machine). POM reference "Profiles"/"Activation".
  for (const profile of children(child(project, 'profiles'), 'profile')) {
    if (childText(child(profile, 'activation'), 'activeByDefault') !== 'true') continue;
    readProps(profile);
    readDeps(profile, dependencies);
    readDeps(child(profile, 'dependencyManagement'), managed);
  }

  const parentNode = child(project, 'parent');
  const parent: RawParent | undefined = isNode(parentNode)
    ? {
        groupId: childText(parentNode, 'groupId'),
        artifactId: childText(parentNode, 'artifactId'),
        version: childText(parentNode, 'version'),
        relativePath: childText(parentNode, 'relativePath'),
      }
    : undefined;

  const licenses: string[] = [];
  for (const lic of children(child(project, 'licenses'), 'license')) {
    // A license with only a <url> is not named; trivy maps a few URLs to SPDX ids, we don't guess.
    const name = childText(lic, 'name');
    if (name) licenses.push(name);
  }

  return {
    path,
    groupId: childText(project, 'groupId'),
    artifactId: childText(project, 'artifactId'),
    version: childText(project, 'version'),
    packaging: childText(project, 'packaging'),
    name: childText(project, 'name'),
    parent,
    properties,
    dependencies,
    managed,
    licenses,
  };
}

function emptyPom(path: string): RawPom {
  return { path, properties: new Map(), dependencies: [], managed: [], licenses: [] };
}

function readDependency(d: XmlNode, path: string, line: number | undefined): RawDependency {
  const exclusions: RawExclusion[] = [];
  for (const e of children(child(d, 'exclusions'), 'exclusion')) {
    const groupId = childText(e, 'groupId');
    const artifactId = childText(e, 'artifactId');
    if (groupId && artifactId) exclusions.push({ groupId, artifactId });
  }
  return {
    groupId: childText(d, 'groupId'),
    artifactId: childText(d, 'artifactId'),
    version: childText(d, 'version'),
    type: childText(d, 'type'),
    classifier: childText(d, 'classifier'),
    scope: childText(d, 'scope'),
    optional: childText(d, 'optional'),
    exclusions,
    line,
    declaredIn: path,
  };
}
