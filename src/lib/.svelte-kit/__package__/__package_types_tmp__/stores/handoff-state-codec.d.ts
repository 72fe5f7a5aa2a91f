export declare function serializeState(where: string, state: Record<string, unknown>): string;
/** The state object, or null when `text` is not the JSON of an object. */
export declare function parseState(text: unknown): Record<string, unknown> | null;
