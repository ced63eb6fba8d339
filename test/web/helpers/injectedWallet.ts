// The injected EIP-6963 test wallet lives in src/web-driver/injectedWallet.ts (the demo's `--web`
// party uses it too); the browser tests import it from here.
export * from "../../../src/web-driver/injectedWallet.js";
