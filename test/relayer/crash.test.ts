import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { decodeAcceptData } from "../../src/sdk/eip712.js";
import type { SignedAction } from "../../src/sdk/types.js";
import {
  type AcceptSession,
  acceptedEvents,
  actionBody,
  createAcceptSessions,
  eoaParties,
  getAction,
  type RelayerChain,
  type RelayerProcess,
  startRelayerChain,
  startRelayerProcess,
  tempDir,
  waitFor,
} from "./helpers.js";

const kills = 20;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("Relayer", () => {
  describe("killed with SIGKILL and restarted (R2)", () => {
    let chain: RelayerChain;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let sessions: AcceptSession[];
    let running: RelayerProcess | undefined;

    before(async () => {
      chain = await startRelayerChain();
      dir = await tempDir();
      sessions = await createAcceptSessions({ chain, parties: eoaParties("crash", 40), count: 10 });
    });

    after(async () => {
      if (running && running.child.exitCode === null) {
        running.child.kill("SIGKILL");
        await running.exited;
      }
      await chain?.stop();
      await dir?.remove();
    });

    it(`loses no acknowledged action and lands none twice across ${kills} kills`, async function () {
      this.timeout(180_000);
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const args = [
        ...["--rpc-url", chain.anvil.rpcUrl, "--contract", chain.contract],
        ...["--port", String(port), "--db", join(dir.path, "relayer.sqlite")],
        ...["--confirmations", "1", "--max-batch", "8", "--max-batch-age-ms", "30"],
        ...["--poll-interval-ms", "20", "--client-rate", "100000", "--client-burst", "100000"],
        // The status checks below are hundreds of requests at once from one address.
        ...["--max-connections-per-ip", "100000"],
        ...["--log-level", "error"],
      ];
      running = await startRelayerProcess(args);

      // Clients keep sending while the relayer dies; an action counts as acknowledged on a 202.
      const acknowledged = new Map<string, SignedAction>();
      const all = sessions.flatMap((s) => s.accepts);
      let next = 0;
      const client = async () => {
        for (let i = next++; i < all.length; i = next++) {
          const action = all[i]!;
          for (;;) {
            try {
              const response = await fetch(`${url}/v1/actions`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(actionBody(action)),
              });
              const body = (await response.json()) as { id?: string };
              if (response.status === 202 && body.id) {
                acknowledged.set(body.id, action);
                break;
              }
            } catch {
              // Connection refused or reset: the relayer is down. Try again shortly.
            }
            await sleep(50);
          }
          // Paced, so that sending goes on across most of the kills.
          await sleep(200);
        }
      };
      const clients = Promise.all(Array.from({ length: 4 }, client));

      for (let k = 0; k < kills; k++) {
        await sleep(100 + Math.floor(Math.random() * 900));
        running.child.kill("SIGKILL");
        await running.exited;
        running = await startRelayerProcess(args);
      }
      await clients;
      expect(acknowledged.size).to.equal(all.length);

      const states = await waitFor(
        "every acknowledged action final",
        async () => {
          const answers = await Promise.all(
            [...acknowledged.keys()].map((id) => getAction(url, id)),
          );
          return answers.every((a) => a.final === true) ? answers : undefined;
        },
        60_000,
      );
      // Included, or skipped when a batch sent before a kill had landed it already.
      expect(states.filter((s) => s.status !== "included" && s.status !== "skipped")).to.deep.equal(
        [],
      );
      for (const session of sessions) {
        const events = await acceptedEvents(chain, session.sessionId);
        expect(events.map((e) => e.index).sort((a, b) => a - b)).to.deep.equal(
          session.accepts.map((_, i) => i),
        );
        for (const event of events) {
          expect(event.encryptionKey).to.equal(
            decodeAcceptData(session.accepts[event.index]!.data).encryptionKey,
          );
        }
      }
      running.child.kill("SIGTERM");
      expect(await running.exited).to.equal(0);
    });
  });
});
