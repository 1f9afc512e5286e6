import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'playwright-report', 'bench/out'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.worker, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-empty-pattern': 'off',
    },
  },
  // The thread boundary is the architecture: the engine knows no UI, the UI no engine.
  {
    files: ['src/engine/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/ui/**', '**/state/**', 'react', 'react-dom', 'plotly.js-dist-min'], message: 'engine/ must not depend on the UI' }] }],
    },
  },
  {
    files: ['src/ui/**', 'src/state/**', 'src/App.tsx', 'src/main.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/engine/**', '@tensorflow/*'], message: 'the page does no tensor work: talk to the worker', allowTypeImports: true }] }],
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/engine/**', '**/ui/**', '**/state/**', '**/worker/**', '@tensorflow/*', 'react'], message: 'shared/ is plain types and data' }] }],
    },
  },
);
