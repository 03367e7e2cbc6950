// Runs before any test file: the app imports the built web app, so build it first. Its afterAll
// runs once, after every file.
import { afterAll } from "bun:test";
import { buildWeb } from "../../scripts/build-web.ts";
import { cleanUpBinaries } from "./binary.ts";

await buildWeb();
afterAll(cleanUpBinaries);
