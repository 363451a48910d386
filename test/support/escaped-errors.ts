/**
 * Errors that escape a check as an unhandled rejection or exception, collected for the suite this is called in: a
 * hostile target must give `error` verdicts, never a crash the runner does not see.
 */
export function collectEscapedErrors(): unknown[] {
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);
  before(() => {
    process.on('unhandledRejection', record);
    process.on('uncaughtExceptionMonitor', record);
  });
  after(() => {
    process.off('unhandledRejection', record);
    process.off('uncaughtExceptionMonitor', record);
  });
  return escaped;
}
