/**
 * Which files the binary catalogers probe. Executables have no fixed names or places
 * (`/usr/local/bin/x`, `/app/server`, `/ko-app/x`, `node_modules/@esbuild/linux-x64/bin/esbuild`),
 * so every file is a candidate except those whose name or folder says they cannot be an
 * executable or shared library: a cheap test on the path, before any byte is read. What is
 * left is probed for the ELF magic (probe.ts).
 *
 * syft selects by MIME type, which its file index sniffs from each file's first bytes while
 * indexing; our sources record names only, so the name test plays that part and the magic
 * probe does the rest.
 */
import type { FileRef, FileResolver } from '../../source/resolver.ts';

/** Every file of the candidate view (candidateView below). */
export const BINARY_GLOBS: readonly string[] = ['**/*'];

/** Extensions (lower case, without the dot) of files that are never ELF executables or shared libraries. */
const NOT_BINARY_EXTENSIONS = new Set(
  [
    // text, source and configuration
    'txt md markdown rst adoc org tex html htm xhtml css scss sass less js mjs cjs jsx ts mts cts tsx map vue svelte',
    'json jsonc json5 ndjson xml xsd xsl xslt dtd rng yaml yml toml ini cfg conf config properties env lock csv tsv sql',
    'py pyc pyo pyi pyx pxd ipynb rb erb rake gemspec go mod sum rs c h cc cpp cxx hpp hh hxx inl s asm java class jar war ear',
    'kt kts scala groovy gradle clj cs csproj vb fs fsx php phtml pl pm pod t sh bash zsh fish ksh csh ps1 psm1 bat cmd',
    'lua tcl tk vim el elc awk sed m4 mk cmake in am ac pc la swift dart ex exs erl hrl hs ml mli r jl nim zig v',
    'service socket timer target mount path slice rules desktop policy',
    // objects and static archives (linked into binaries, not binaries), separate debug info
    'o obj a lib rlib ko debug dbg pdb',
    // images, audio, video, fonts
    'png jpg jpeg gif svg svgz ico icns webp bmp tif tiff psd xpm xbm mp3 mp4 m4a wav ogg oga flac avi mov mkv webm',
    'woff woff2 ttf otf eot pfb pfa afm pcf bdf',
    // archives and packages
    'zip gz tgz bz2 tbz xz txz zst lz lz4 lzma tar 7z rar cab deb rpm apk whl egg gem nupkg crate',
    // documents, translations, keys, data
    'pdf ps eps doc docx xls xlsx ppt pptx odt ods rtf epub mo po pot gmo qm',
    'pem crt cer der csr key pub asc sig gpg p7s p12 pfx jks log pid db sqlite sqlite3 patch diff gir hwdb cache',
  ]
    .join(' ')
    .split(' '),
);

/** File names (lower case) of documents and build files, with or without a suffix (`LICENSE-MIT`, `README`). */
const NOT_BINARY_NAME =
  /^(?:(?:licen[cs]e|copying|copyright|notice|authors|contributors|maintainers|readme|changelog|changes|history|news|todo)(?:[-_.].*)?|(?:make|docker|gem|rake|proc|vagrant|jenkins)file|codeowners|owners)$/;

/** Folders that hold only data, by the path segments that name them (matched anywhere in the path). */
const DATA_DIRS: readonly string[] = [
  '/share/zoneinfo/',
  '/share/terminfo/',
  '/lib/terminfo/',
  '/share/i18n/',
  '/share/locale/',
  '/share/man/',
  '/share/doc/',
  '/share/info/',
  '/share/mime/',
  '/share/fonts/',
  '/share/icons/',
  '/share/pixmaps/',
  '/share/X11/locale/',
  '/share/ca-certificates/',
  '/usr/include/',
  '/var/lib/dpkg/info/',
  '/var/cache/debconf/',
  '/etc/ssl/certs/',
  '/__pycache__/',
  '/.git/',
];

/** False when the path alone says the file is not an executable or shared library. */
export function mayBeBinary(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  // Dot files are configuration (`.eslintrc`, `.npmignore`); executables are not hidden.
  if (base.startsWith('.') || NOT_BINARY_NAME.test(base.toLowerCase())) return false;
  const dot = base.lastIndexOf('.');
  if (dot > 0) {
    // Shared libraries (`.so`, `.so.1.2`) are kept: Go c-shared and Rust cdylib libraries carry build info too.
    if (NOT_BINARY_EXTENSIONS.has(base.slice(dot + 1).toLowerCase())) return false;
  }
  const rooted = `/${path}`;
  return !DATA_DIRS.some((d) => rooted.includes(d));
}

/**
 * When the source records file modes (an image's tar headers do; the directory walk does not),
 * only files with an execute bit are candidates, as trivy's Go and Rust binary analyzers
 * decide: a binary an image never runs is not worth extracting, and shared libraries (0644 in
 * most distributions; Go c-shared and Rust cdylib libraries are rare) would double the bytes
 * an image scan extracts (425 libraries, 53 MB, in a Debian minbase image).
 */
export function mayBeExecutable(ref: FileRef): boolean {
  const mode = (ref as FileRef & { readonly mode?: unknown }).mode;
  return typeof mode !== 'number' || (mode & 0o111) !== 0;
}

const views = new WeakMap<FileResolver, FileResolver>();

/**
 * The resolver as the binary catalogers see it: only the files mayBeBinary() and
 * mayBeExecutable() keep. Selecting through it (rather than testing each path in the parser)
 * keeps the generic cataloger from scheduling a parse for each of a tree's files, and keeps
 * select() (what an image prefetches) to the candidates; the view, with its file-name index,
 * is built once per resolver and shared by both catalogers. Reads go to the resolver unchanged.
 */
export function candidateView(resolver: FileResolver): FileResolver {
  let view = views.get(resolver);
  if (view) return view;
  const files = resolver.files().filter((f) => mayBeBinary(f.path) && mayBeExecutable(f));
  let names: Map<string, string[]> | undefined;
  const readRange = resolver.readRange?.bind(resolver);
  const prefetch = resolver.prefetch?.bind(resolver);
  const layerOf = resolver.layerOf?.bind(resolver);
  view = {
    files: () => files,
    byName: () => {
      if (!names) {
        names = new Map();
        for (const { path } of files) {
          const base = path.slice(path.lastIndexOf('/') + 1);
          const list = names.get(base);
          if (list) list.push(path);
          else names.set(base, [path]);
        }
      }
      return names;
    },
    get: (path) => resolver.get(path),
    read: (path, maxBytes) => resolver.read(path, maxBytes),
    ...(readRange ? { readRange } : {}),
    ...(prefetch ? { prefetch } : {}),
    ...(layerOf ? { layerOf } : {}),
  };
  views.set(resolver, view);
  return view;
}
