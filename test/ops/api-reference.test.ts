// docs/api.md is the API reference a clone of the project reads. Its routes section is generated
// from the OpenAPI document the server serves: these tests fail when it falls behind, so a new
// route cannot land undocumented.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  type OpenApiDocument,
  referencePath,
  renderRoutes,
  sectionEnd,
  sectionStart,
  withRoutes,
} from "../../scripts/api-reference.ts";
import { startTestApp } from "../support/app.ts";

const app = await startTestApp();
const document = (await app.request<OpenApiDocument>("GET", "/swagger/json")).body;
const reference = readFileSync(referencePath, "utf8");
const section = reference.slice(reference.indexOf(sectionStart), reference.indexOf(sectionEnd));

const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
);

/** The part of the routes section about one route: from its heading to the next. */
function entry(method: string, path: string): string {
  const heading = `#### \`${method.toUpperCase()} ${path}\``;
  const start = section.indexOf(`${heading}\n`);
  if (start < 0) return "";
  const next = section.indexOf("\n#", start + heading.length);
  return section.slice(start, next < 0 ? undefined : next);
}

describe("docs/api.md", () => {
  test("has its routes section exactly as scripts/api-reference.ts writes it from the served document", () => {
    const current = withRoutes(reference, renderRoutes(document));
    if (current !== reference) {
      throw new Error("docs/api.md is not current: run `bun scripts/api-reference.ts`");
    }
  });

  test("documents every route of the OpenAPI document with its summary, parameters and statuses", () => {
    expect(operations.length).toBeGreaterThan(20);
    for (const { path, method, operation } of operations) {
      const text = entry(method, path);
      expect({ route: `${method} ${path}`, documented: text !== "" }).toEqual({
        route: `${method} ${path}`,
        documented: true,
      });
      expect(text).toContain(operation.summary as string);
      for (const parameter of operation.parameters ?? []) {
        expect(text).toContain(`| \`${parameter.name}\` | ${parameter.in} |`);
      }
      for (const status of Object.keys(operation.responses ?? {})) {
        expect(text).toMatch(new RegExp(`\\b${status}\\b`));
      }
    }
  });

  test("gives every route a summary and at least one status, so none is documented empty", () => {
    const empty = operations
      .filter(({ operation }) => !operation.summary || !operation.responses)
      .map(({ path, method }) => `${method} ${path}`);
    expect(empty).toEqual([]);
  });

  test("is what the README links, and nothing links outside the project", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain("(docs/api.md)");
    expect(readme).not.toContain("../shared");
  });
});
