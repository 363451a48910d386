import type { CheckContext } from '../../core/check.js';
import type { FuzzCampaign, Fuzzing } from '../../core/fuzz/replay.js';
import type { EnipEndpoint } from './endpoint.js';
import { buildCorpus, CASE_IDS, enipFuzzDriver, type FuzzCase } from './fuzz.js';
import { enipEssentialFunctions, pointText } from './target.js';

/** The Identity vendor id: every CIP device has it, so it is the liveness read when the profile names no essential function. */
const IDENTITY_VENDOR = { class: 0x01, instance: 1, attribute: 1 };

/** The EtherNet/IP corpus for core/fuzz: the CR 3.5 check and `run --replay enip:<case id>` prepare it here. */
export const enipFuzzing: Fuzzing<FuzzCase, FuzzCampaign<FuzzCase>> = {
  protocol: 'enip',
  checkProtocol: 'enip',
  caseIds: CASE_IDS,
  async prepare(ctx: CheckContext) {
    const endpoint = ctx.interface.endpoint as EnipEndpoint;
    const liveness = enipEssentialFunctions(ctx.profile)[0]?.point ?? IDENTITY_VENDOR;
    ctx.log(`liveness after every case: Get_Attribute_Single ${pointText(liveness)}`);
    const driver = enipFuzzDriver({ target: { host: ctx.host, port: endpoint.port }, connectTimeoutMs: ctx.settings.connectTimeoutMs, requestTimeoutMs: ctx.settings.requestTimeoutMs, liveness });
    // Control: a device that does not serve the liveness read before any case cannot be judged by what follows.
    const control = await driver.liveness.probe(ctx.signal);
    if (!control.ok) {
      await driver.close?.();
      throw new Error(`enip://${ctx.host}:${endpoint.port} does not serve Get_Attribute_Single ${pointText(liveness)} before any malformed message (${control.detail}), so its robustness cannot be judged`);
    }
    return { corpus: buildCorpus(), driver, close: async () => driver.close?.() };
  },
};
