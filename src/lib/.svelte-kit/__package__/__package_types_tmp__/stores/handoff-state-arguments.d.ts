export declare function assertStateId(where: string, stateId: unknown): asserts stateId is string;
export declare function assertStateArguments(where: string, stateId: unknown, state: unknown, ttlSeconds: unknown): void;
