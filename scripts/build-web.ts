// `npm run build:web`: builds the web client into web/dist when its sources changed.
import { ensureWebBuild } from "../src/cli/webBuild.js";

const dist = await ensureWebBuild();
console.log(`The web client is in ${dist}`);
