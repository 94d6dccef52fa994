/**
 * Gemfile.lock (and gems.locked), read by hand: the format is Bundler's own, defined only by
 * its writer and reader (bundler/lib/bundler/lockfile_generator.rb, lockfile_parser.rb), and
 * no maintained JavaScript parser exists. The layout:
 *
 *   GIT | GEM | PATH | PLUGIN SOURCE      a source; 2-space `key: value` options, then `specs:`
 *       name (version[-platform])         4 spaces: a resolved gem
 *         dep (requirements)              6 spaces: one of its dependencies, by name
 *   DEPENDENCIES                          2 spaces: `name (requirements)` or `name!` (pinned to a
 *                                         GIT/PATH source): what the Gemfile asks for
 *   CHECKSUMS                             Bundler >= 2.5: `name (version[-platform]) sha256=HEX`
 *   PLATFORMS, RUBY VERSION, BUNDLED WITH
 *
 * Bundler's NAME_VERSION pattern splits a spec at the first `-` of the parenthesised part:
 * before it the version, after it the platform (`1.13.3-x86_64-linux`). The platform becomes
 * the purl `platform` qualifier (purl-spec gem type), so platform builds of one version stay apart.
 *
 * The project: when a PATH source at `remote: .` (the Gemfile's `gemspec`) holds specs, those
 * gems are the root, depending on their own dependencies and on every DEPENDENCIES entry. A
 * Gemfile.lock without one does not name its project, so no root is invented; the gems the
 * Gemfile asks for directly are marked with metadata `direct: "true"`. Bundler groups are not
 * in the lockfile, so every gem has the required scope.
 */
import type { Hash, Relationship, Warning } from '../../../formats/model/index.ts';
import { buildPurl } from '../../../formats/purl/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';

const SOURCE_SECTIONS = new Set(['GIT', 'GEM', 'PATH', 'PLUGIN SOURCE']);

/** `name (version-platform)` after the indentation (lockfile_parser.rb NAME_VERSION). */
const NAME_VERSION = /^(\S+?)(?: \(([^-)]*)(?:-([^)]*))?\))?(!)?$/;

interface Spec {
  readonly name: string;
  readonly version: string;
  readonly platform: string;
  readonly sourceType: string;
  readonly options: Readonly<Record<string, string>>;
  readonly line: number;
  readonly deps: string[];
}

/** purl-spec gem: `pkg:gem/name@version?platform=...`; git checkouts carry `vcs_url`. */
export function gemPurl(name: string, version: string, platform: string, vcs?: { remote: string; revision: string }): string {
  const qualifiers: Record<string, string> = {};
  if (platform !== '' && platform !== 'ruby') qualifiers.platform = platform;
  if (vcs) {
    const url = /^(git\+|git:\/\/)/.test(vcs.remote) ? vcs.remote : `git+${vcs.remote}`;
    qualifiers.vcs_url = vcs.revision === '' ? url : `${url}@${vcs.revision}`;
  }
  return buildPurl({ type: 'gem', name, version, qualifiers });
}

export async function parseGemfileLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const lines = (await ctx.readText(path)).split('\n');
  const warnings: Warning[] = [];
  const specs: Spec[] = [];
  const direct: string[] = [];
  const checksums = new Map<string, string>();
  let bundledWith: string | undefined;

  let section = '';
  let options: Record<string, string> = {};
  let inSpecs = false;
  let current: Spec | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const lineNo = i + 1;
    if (line.includes('\u0000')) throw new FileParseError('binary data: not a Gemfile.lock', lineNo);
    // Bundler refuses a lockfile with merge conflicts (lockfile_parser.rb); so do we.
    if (/^(<<<<<<<|=======|>>>>>>>)( |$)/.test(line)) throw new FileParseError('the lockfile contains merge conflict markers', lineNo);
    if (line.trim() === '') continue;

    if (!line.startsWith(' ')) {
      section = line.trim();
      options = {};
      inSpecs = false;
      current = undefined;
      continue;
    }

    if (SOURCE_SECTIONS.has(section)) {
      if (/^ {2}\S/.test(line)) {
        const t = line.trim();
        if (t === 'specs:') inSpecs = true;
        else {
          const m = /^([a-z_]+): ?(.*)$/.exec(t);
          // A source may list several remotes (old GEM sections); keep them all.
          if (m) options[m[1]!] = options[m[1]!] === undefined ? m[2]! : `${options[m[1]!]} ${m[2]!}`;
        }
        continue;
      }
      if (!inSpecs) continue;
      if (/^ {4}\S/.test(line)) {
        const m = NAME_VERSION.exec(line.slice(4));
        if (!m || m[2] === undefined) {
          warnings.push({ location: { path, line: lineNo }, message: `spec without a version: ${JSON.stringify(line.trim())}: skipped` });
          current = undefined;
          continue;
        }
        current = { name: m[1]!, version: m[2], platform: m[3] ?? '', sourceType: section, options, line: lineNo, deps: [] };
        specs.push(current);
        continue;
      }
      if (/^ {6}\S/.test(line)) {
        const name = line.slice(6).split(/[\s(]/, 1)[0]!;
        if (current && name !== '') current.deps.push(name);
      }
      continue;
    }

    if (section === 'DEPENDENCIES' && /^ {2}\S/.test(line)) {
      const name = line.trim().split(/[\s(]/, 1)[0]!.replace(/!$/, '');
      if (name !== '') direct.push(name);
    } else if (section === 'CHECKSUMS' && /^ {2}\S/.test(line)) {
      const m = /^ {2}(\S+) \(([^)]*)\)(?: (.*))?$/.exec(line);
      const sha = m?.[3] === undefined ? undefined : /(?:^|,)sha256=([0-9a-fA-F]{64})(?:,|$)/.exec(m[3]);
      if (m && sha) checksums.set(`${m[1]!} ${m[2]!}`, sha[1]!.toLowerCase());
    } else if (section === 'BUNDLED WITH') {
      bundledWith = line.trim();
    }
  }

  // One package per name, version and platform; the first source wins (Bundler writes each once).
  const packages: PackageInput[] = [];
  const byName = new Map<string, string[]>();
  const bySpec = new Map<Spec, string>();
  const seen = new Set<string>();
  const roots: { purl: string; name: string }[] = [];
  const directSet = new Set(direct);
  for (const s of specs) {
    const vcs = s.sourceType === 'GIT' && s.options.remote !== undefined ? { remote: s.options.remote, revision: s.options.revision ?? '' } : undefined;
    const purl = gemPurl(s.name, s.version, s.platform, vcs);
    bySpec.set(s, purl);
    if (seen.has(purl)) continue;
    seen.add(purl);
    const list = byName.get(s.name);
    if (list) list.push(purl);
    else byName.set(s.name, [purl]);

    const isRoot = s.sourceType === 'PATH' && s.options.remote === '.';
    if (isRoot) roots.push({ purl, name: s.name });
    const metadata: Record<string, string> = { source: s.sourceType.toLowerCase().replace(' ', '-') };
    for (const k of ['remote', 'revision', 'branch', 'tag', 'ref', 'type']) {
      const v = s.options[k];
      if (v !== undefined) metadata[k] = v;
    }
    if (s.platform !== '') metadata.platform = s.platform;
    if (directSet.has(s.name) && !isRoot) metadata.direct = 'true';
    if (isRoot && bundledWith !== undefined) metadata.bundledWith = bundledWith;
    const sha = checksums.get(`${s.name} ${s.platform === '' ? s.version : `${s.version}-${s.platform}`}`);
    const hashes: Hash[] = sha ? [{ alg: 'SHA-256', value: sha }] : [];
    packages.push({
      name: s.name,
      version: s.version,
      type: 'gem',
      purl,
      hashes,
      locations: [{ path, line: s.line }],
      ...(isRoot ? { isRoot: true } : {}),
      metadata,
    });
  }

  const relationships: Relationship[] = [];
  const rels = new Set<string>();
  const link = (from: string, toName: string): void => {
    for (const to of byName.get(toName) ?? []) {
      const k = `${from} ${to}`;
      if (from === to || rels.has(k)) continue;
      rels.add(k);
      relationships.push({ from, to, type: 'depends-on' });
    }
  };
  for (const s of specs) for (const d of s.deps) link(bySpec.get(s)!, d);
  for (const root of roots) for (const d of direct) if (d !== root.name) link(root.purl, d);

  return { packages, relationships, warnings };
}
