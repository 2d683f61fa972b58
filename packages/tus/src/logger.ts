/** The slice of a pino logger this package uses; pino's `logger` fits as it is. */
export interface Logger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

const noop = () => {}
export const silentLogger: Logger = { info: noop, warn: noop, error: noop }
