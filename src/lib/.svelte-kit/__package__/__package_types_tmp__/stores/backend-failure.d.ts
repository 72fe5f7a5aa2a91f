/** A client call failed; `kind` says whether the backend was unreachable or the stored value was unusable. */
export declare class BackendFailure extends Error {
    readonly kind: 'unavailable' | 'corrupt';
    constructor(kind: 'unavailable' | 'corrupt', cause: unknown);
}
export declare function sanitizeCause(error: unknown): Error;
