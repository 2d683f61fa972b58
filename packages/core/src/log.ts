/** The logger every package takes (pino's `logger` fits as it is); never given signed URLs. */
export interface Logger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

const noop = () => {}
/** A logger that drops everything (tests, tools). */
export const silentLogger: Logger = { info: noop, warn: noop, error: noop }
