// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["dist/", "client/dist/", "dist-bench/", "node_modules/", "data/", "coverage/", "test-artifacts/", ".ci/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/connectors/**"], message: "the core never imports a connector" }] },
      ],
    },
  },
  {
    // The platform modules (src/platforms) are where connectors are wired in; the core still never imports them.
    files: ["src/connectors/**", "src/platforms/**", "src/cli/**", "src/server.ts", "test/**", "bench/**"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    // The SDK runs in browsers too: no Node built-ins, no Node globals, and only type imports from
    // the server's sources (checked by the package test, test/client/package.test.ts).
    files: ["client/src/**"],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "the SDK runs in browsers: no Node built-ins" },
            { group: ["../../src/**"], allowTypeImports: true, message: "the SDK shares the server's types only (import type)" },
          ],
        },
      ],
      "no-restricted-globals": ["error", "Buffer", "process", "require", "__dirname", "__filename", "global", "setImmediate"],
    },
  },
  {
    // The dashboard runs in browsers (dashboard/src, compiled by dashboard/tsconfig.json).
    files: ["dashboard/src/**"],
    languageOptions: { globals: { ...globals.browser } },
    rules: { "no-restricted-globals": ["error", "Buffer", "process", "require", "__dirname", "__filename", "global"] },
  },
  {
    files: ["src/connectors/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/http/**", "fastify"], message: "a connector never touches HTTP routes" }] },
      ],
    },
  },
);
