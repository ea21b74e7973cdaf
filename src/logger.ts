import pino, { type Logger } from 'pino';

/** JSON logs on stdout (pino): cheap enough for the hot path, structured for any log pipeline. */
export function createLogger(level: string, name = 'lrs'): Logger {
  return pino({ name, level, redact: ['req.headers.authorization', 'secret', '*.secret'] });
}
