import { replayFuzzCase } from '../../adapters/modbus/index.js';
import type { Replayer } from './index.js';

export const replayModbusCase: Replayer = async (profile, caseId, options) => {
  if (!profile.endpoints.modbus) return undefined;
  try {
    const { fuzzCase, result, aliveAfter } = await replayFuzzCase(profile, profile.host, caseId, options);
    return {
      protocol: 'modbus',
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
