// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["dist/", "dist-bench/", "node_modules/", "data/", "coverage/", "test-artifacts/", ".ci/"] },
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
    files: ["src/connectors/**", "src/cli/**", "src/server.ts", "test/**", "bench/**"],
    rules: { "no-restricted-imports": "off" },
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
