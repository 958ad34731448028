export type LogLevel = 'info' | 'warning' | 'error';

/** Hears what the server has to say that is nobody's request (stderr, MCP logging). */
export type LogListener = (level: LogLevel, message: string) => void;
