import { isOpcuaCaseId, replayOpcuaFuzzCase } from '../../adapters/opcua/fuzz-setup.js';
import type { Replayer } from './index.js';

/** OPC UA CR 3.5 cases ("opcua:hello.zero-receive-buffer"); ids outside the corpus are left to other protocols. */
export const replayOpcuaCase: Replayer = async (profile, caseId, options) => {
  if (!profile.endpoints.opcua || !isOpcuaCaseId(caseId)) return undefined;
  try {
    const { fuzzCase, result, aliveAfter } = await replayOpcuaFuzzCase(profile, caseId, options);
    return {
      protocol: 'opcua',
      caseId: fuzzCase.id,
      description: fuzzCase.description,
      sent: result.sent,
      expected: result.expected,
      observed: result.observed,
      handledCorrectly: result.verdict === 'ok',
      aliveAfter,
    };
  } catch (error) {
    if (/^no fuzz case/.test((error as Error).message)) return undefined;
    throw error;
  }
};
