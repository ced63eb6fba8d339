import { expect } from "chai";
import type { Relayer } from "../../src/relayer/server.js";
import { decodeAcceptData } from "../../src/sdk/eip712.js";
import {
  type AcceptSession,
  acceptedEvents,
  createAcceptSessions,
  eoaParties,
  getAction,
  postAction,
  type RelayerChain,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "./helpers.js";

const clients = 50;
const perClient = 200;

describe("Relayer", () => {
  describe("under load", () => {
    let chain: RelayerChain;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let relayer: Relayer;
    let sessions: AcceptSession[];

    before(async function () {
      this.timeout(300_000);
      chain = await startRelayerChain();
      dir = await tempDir();
      // 50 sessions of the same 200 parties: 10,000 distinct slots, one Accept each.
      sessions = await createAcceptSessions({
        chain,
        parties: eoaParties("load", perClient),
        count: clients,
      });
      relayer = await startTestRelayer(chain, dir.path, {
        // Every client is on 127.0.0.1: the per-client limit must not throttle 50 of them.
        clientRate: 1_000_000,
        clientBurst: 1_000_000,
        // …nor the per-address socket cap: the final checks send thousands of requests at once.
        maxConnectionsPerIp: 100_000,
        maxBatch: 150,
        maxBatchAgeMs: 50,
      });
    });

    after(async () => {
      await relayer?.close();
      await chain?.stop();
      await dir?.remove();
    });

    it("lands every one of 50 clients × 200 signed actions exactly once, none missing", async function () {
      this.timeout(300_000);
      const ids = await Promise.all(
        sessions.map(async (session) => {
          const mine: string[] = [];
          for (const action of session.accepts) {
            const { status, body } = await postAction(relayer.url, action);
            expect(status, JSON.stringify(body)).to.equal(202);
            mine.push(String(body.id));
          }
          return mine;
        }),
      );
      const all = ids.flat();
      expect(new Set(all).size).to.equal(clients * perClient);
      await waitFor(
        "every action final",
        async () => {
          const open = await fetch(`${relayer.url}/healthz`).then(
            (r) => r.json() as Promise<{ queued: number }>,
          );
          return open.queued === 0 ? true : undefined;
        },
        240_000,
      );
      for (const session of sessions) {
        const events = await acceptedEvents(chain, session.sessionId);
        // Exactly once per slot, with exactly the bytes the party signed.
        expect(events.map((e) => e.index).sort((a, b) => a - b)).to.deep.equal(
          session.accepts.map((_, i) => i),
        );
        for (const event of events) {
          expect(event.encryptionKey).to.equal(
            decodeAcceptData(session.accepts[event.index]!.data).encryptionKey,
          );
        }
      }
      const notIncluded: Record<string, unknown>[] = [];
      for (const mine of ids) {
        for (const state of await Promise.all(mine.map((id) => getAction(relayer.url, id)))) {
          if (state.status !== "included" || state.final !== true) notIncluded.push(state);
        }
      }
      expect(notIncluded).to.deep.equal([]);
    });
  });
});
