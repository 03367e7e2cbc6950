// Runs before any test file: the app imports the built web app, so build it first.
import { buildWeb } from "../../scripts/build-web.ts";

await buildWeb();
