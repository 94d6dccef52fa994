/**
 * The files each Python cataloger reads, apart from its parser module so that index.ts can
 * name them without loading the parsers (they are loaded only when a source holds such files).
 */
export const INSTALLED_GLOBS: readonly string[] = ['**/*.dist-info/METADATA', '**/*.egg-info/PKG-INFO', '**/*.egg-info', '**/EGG-INFO/PKG-INFO'];
export const REQUIREMENTS_GLOBS: readonly string[] = ['**/*requirements*.txt', '**/requirements/*.txt'];
export const PYLOCK_GLOBS: readonly string[] = ['**/pylock.toml', '**/pylock.*.toml'];
