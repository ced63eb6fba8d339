import { expect } from "chai";
import { RelayerOptionsError, resolveRelayerOptions } from "../../src/relayer/options.js";

const base = {
  rpcUrl: "http://127.0.0.1:8545",
  contract: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
};

describe("Relayer", () => {
  describe("options", () => {
    it("takes a flag over its ROUNDTABLE_RELAYER_ variable, and the variable over the default", () => {
      const options = resolveRelayerOptions({
        ...base,
        flags: { maxBatch: "7" },
        env: { ROUNDTABLE_RELAYER_MAX_BATCH: "9", ROUNDTABLE_RELAYER_CONFIRMATIONS: "4" },
      });
      expect(options.maxBatch).to.equal(7);
      expect(options.confirmations).to.equal(4);
      expect(options.host).to.equal("127.0.0.1");
      expect(options.port).to.equal(8546);
      expect(options.contract).to.equal("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    });

    it("names the variable a bad value came from", () => {
      expect(() =>
        resolveRelayerOptions({ ...base, flags: {}, env: { ROUNDTABLE_RELAYER_PORT: "http" } }),
      )
        .to.throw(RelayerOptionsError, /^Invalid ROUNDTABLE_RELAYER_PORT "http": /)
        .with.property("flag", "ROUNDTABLE_RELAYER_PORT");
    });

    it("names the flag a bad value came from", () => {
      expect(() => resolveRelayerOptions({ ...base, flags: { maxBatch: "0" }, env: {} }))
        .to.throw(RelayerOptionsError, /^Invalid --max-batch "0": /)
        .with.property("flag", "--max-batch");
    });
  });
});
