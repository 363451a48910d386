import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpEndpoint } from '../../adapters/http/endpoint.js';
import { httpEndpointSchema } from '../../adapters/http/endpoint.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { startWebSimulator, type WebSimulatorHandle } from '../../simulators/web/index.js';

export interface WebAccountInfo {
  role: 'admin' | 'operator' | 'viewer' | 'lockout';
  username: string;
  password: string;
}

export interface StartedWebSimulator {
  host: string;
  ports: number[];
  web: WebSimulatorHandle;
  /** The interface as the simulator describes it, parsed with the adapter's schema (defaults filled in). */
  endpoint: HttpEndpoint;
  accounts: WebAccountInfo[];
  account(role: WebAccountInfo['role']): WebAccountInfo;
  profile: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Starts the web simulator in-process on a loopback address of its own. */
export async function startWeb(profile: string): Promise<StartedWebSimulator> {
  const workDir = mkdtempSync(join(tmpdir(), `iec62443-web-${profile}-`));
  const running = await startWebSimulator({ profile, host: randomLoopbackHost(), workDir });
  const description = running.profile as unknown as { endpoints: { http: unknown[] }; accounts: WebAccountInfo[] };
  const endpoint = httpEndpointSchema.parse(description.endpoints.http[0]);
  return {
    host: running.host,
    ports: running.ports,
    web: running.web,
    endpoint,
    accounts: description.accounts,
    account(role) {
      const found = description.accounts.find((account) => account.role === role);
      if (!found) throw new Error(`the ${profile} web simulator has no ${role} account`);
      return found;
    },
    profile: running.profile as unknown as Record<string, unknown>,
    async stop() {
      await running.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
