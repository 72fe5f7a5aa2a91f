// The refresh storm's client (bench/flows.ts), on a worker thread of its own: the dev identity provider
// runs on the bench's main thread, and 100 responses parsed there would queue the token call the storm
// is waiting for behind the client's own work, a delay no real identity provider sees. It keeps its
// connections alive between bursts, as a browser or a proxy in front of the instances does, and uses
// node:http, whose own cost per response is lower than fetch's: the client is not what is measured.
import { Worker } from 'node:worker_threads';

export interface BurstAnswer {
	ms: number;
	status: number;
	setCookie: string[];
	isAuthenticated: boolean;
}

export interface BurstRequest {
	/** Request i goes to urls[i % urls.length]. */
	urls: string[];
	cookie: string;
	requests: number;
}

// Plain JavaScript, evaluated by the worker: it needs no TypeScript loader of its own.
const WORKER = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const get = (url, cookie) => new Promise((resolve, reject) => {
	const start = performance.now();
	http.get(url, { agent, headers: { cookie } }, (res) => {
		const chunks = [];
		res.on('data', (chunk) => chunks.push(chunk));
		res.on('end', () => {
			const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
			resolve({ ms: performance.now() - start, status: res.statusCode, setCookie: res.headers['set-cookie'] ?? [], isAuthenticated: body.isAuthenticated });
		});
		res.on('error', reject);
	}).on('error', reject);
});
parentPort.on('message', async ({ urls, cookie, requests }) => {
	parentPort.postMessage(await Promise.all(Array.from({ length: requests }, (_, i) => get(urls[i % urls.length], cookie))));
});
`;

/** Starts the client thread; `burst` sends `requests` concurrent GETs with `cookie` and answers when all have. */
export function startBurstClient(): { burst(request: BurstRequest): Promise<BurstAnswer[]>; stop(): Promise<number> } {
	const worker = new Worker(WORKER, { eval: true });
	return {
		burst(request) {
			return new Promise((resolve, reject) => {
				const done = (answers: BurstAnswer[]) => {
					worker.off('error', failed);
					resolve(answers);
				};
				const failed = (error: Error) => {
					worker.off('message', done);
					reject(error);
				};
				worker.once('message', done);
				worker.once('error', failed);
				worker.postMessage(request);
			});
		},
		stop: () => worker.terminate()
	};
}
