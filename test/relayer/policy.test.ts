// The operator's policy: a relayer serves its one deployment, and, when told, only listed sessions
// or sessions of listed initiators; everything else is refused with 403 and a body that says why.

import { expect } from "chai";
import { mnemonicToAccount } from "viem/accounts";
import { parseRelayerOptions, resolveRelayerOptions } from "../../src/relayer/options.js";
import type { Relayer } from "../../src/relayer/server.js";
import { developmentMnemonic } from "../helpers/anvil.js";
import {
  type AcceptSession,
  actionBody,
  createAcceptSessions,
  eoaParties,
  initiatorIndex,
  postJsonFrom,
  type RelayerChain,
  startRelayerChain,
  startTestRelayer,
  tempDir,
} from "./helpers.js";

describe("Relayer › operator policy", function () {
  this.timeout(60_000);
  let chain: RelayerChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let sessions: AcceptSession[];
  const relayers: Relayer[] = [];
  const initiator = mnemonicToAccount(developmentMnemonic, { addressIndex: initiatorIndex });

  before(async () => {
    chain = await startRelayerChain();
    dir = await tempDir();
    sessions = await createAcceptSessions({ chain, parties: eoaParties("policy", 3), count: 2 });
  });

  after(async () => {
    for (const r of relayers) await r.close();
    await chain?.stop();
    await dir?.remove();
  });

  async function relayerWith(name: string, options: Record<string, unknown>): Promise<Relayer> {
    const relayer = await startTestRelayer(chain, dir.path, {
      db: `${dir.path}/${name}.sqlite`,
      ...options,
    });
    relayers.push(relayer);
    return relayer;
  }

  it("refuses, with 403 contract_not_served, a body naming another contract or chain; its own is served", async () => {
    const relayer = await relayerWith("default", {});
    const action = sessions[0]!.accepts[0]!;
    const other = await postJsonFrom(relayer.url, "127.0.0.1", {
      ...actionBody(action),
      contract: "0x000000000000000000000000000000000000dEaD",
      chainId: chain.chainId,
    });
    expect(other.status).to.equal(403);
    const error = other.body.error as { code: string; message: string };
    expect(error.code).to.equal("contract_not_served");
    expect(error.message.toLowerCase()).to.contain(chain.contract.toLowerCase());
    const otherChain = await postJsonFrom(relayer.url, "127.0.0.1", {
      ...actionBody(action),
      contract: chain.contract,
      chainId: chain.chainId + 1,
    });
    expect([otherChain.status, (otherChain.body.error as { code: string }).code]).to.deep.equal([
      403,
      "contract_not_served",
    ]);
    const own = await postJsonFrom(relayer.url, "127.0.0.1", {
      ...actionBody(action),
      contract: chain.contract.toLowerCase(),
      chainId: chain.chainId,
    });
    expect(own.status).to.equal(202);
  });

  it("serves only the listed sessions", async () => {
    const [served, notServed] = sessions as [AcceptSession, AcceptSession];
    const relayer = await relayerWith("sessions", { sessions: served.sessionId.toString() });
    const refused = await postJsonFrom(relayer.url, "127.0.0.1", actionBody(notServed.accepts[1]!));
    expect(refused.status).to.equal(403);
    const error = refused.body.error as { code: string; message: string };
    expect(error.code).to.equal("session_not_served");
    expect(error.message).to.contain(`session ${notServed.sessionId}`);
    expect(error.message).to.contain("--sessions");
    const ok = await postJsonFrom(relayer.url, "127.0.0.1", actionBody(served.accepts[1]!));
    expect(ok.status).to.equal(202);
  });

  it("serves only sessions of the listed initiators", async () => {
    const session = sessions[1]!;
    const stranger = await relayerWith("initiators-other", {
      initiators: "0x000000000000000000000000000000000000bEEF",
    });
    const refused = await postJsonFrom(stranger.url, "127.0.0.1", actionBody(session.accepts[2]!));
    expect(refused.status).to.equal(403);
    const error = refused.body.error as { code: string; message: string };
    expect(error.code).to.equal("initiator_not_served");
    expect(error.message).to.contain(initiator.address);
    const listed = await relayerWith("initiators-own", {
      initiators: `0x000000000000000000000000000000000000bEEF,${initiator.address}`,
    });
    const ok = await postJsonFrom(listed.url, "127.0.0.1", actionBody(session.accepts[2]!));
    expect(ok.status).to.equal(202);
  });

  it("serves any session by default, and names the flag of a bad list", () => {
    const base = { rpcUrl: "http://127.0.0.1:8545", contract: chain.contract };
    const defaults = parseRelayerOptions(base);
    expect([defaults.sessions, defaults.initiators]).to.deep.equal([undefined, undefined]);
    expect(() =>
      resolveRelayerOptions({ ...base, flags: { initiators: "0x12,any" }, env: {} }),
    ).to.throw(
      /Invalid --initiators "0x12,any": expected "any" or a comma-separated list of 0x addresses, not "0x12"/,
    );
    expect(() =>
      resolveRelayerOptions({
        ...base,
        flags: {},
        env: { ROUNDTABLE_RELAYER_SESSIONS: "7,-1" },
      }),
    ).to.throw(/ROUNDTABLE_RELAYER_SESSIONS/);
  });
});
