// Lint of the front end and the browser tests (`make lint-web`, part of `make test`): the
// checks that catch what a merge can break without any test noticing at once, such as a
// name used but no longer imported (`no-undef`) or an import that names nothing.
import globals from 'globals';

export default [
  {
    files: ['web/js/**/*.js'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.browser } },
    rules: {
      'no-undef': 'error',
      'no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      'no-dupe-keys': 'error',
      'no-unreachable': 'error',
      'no-redeclare': 'error',
      'no-import-assign': 'error',
    },
  },
  {
    files: ['tests/browser/*.mjs', 'tests/browser/unit/**/*.mjs'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
    rules: { 'no-undef': 'error', 'no-dupe-keys': 'error', 'no-unreachable': 'error' },
  },
];
