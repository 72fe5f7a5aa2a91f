// Loaded by hooks.server.ts only when SSO_TRACE_FILE is set (a build made with SSO_TRACING=1): an
// OpenTelemetry tracer provider whose exporter appends every finished span to that file as a JSON
// line, so a test can read exactly what a trace backend would receive (docs/SECURITY.md H13).
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { appendFileSync } from 'node:fs';

/** Registers the provider; an exported call, since package.json declares the project free of side effects. */
export function startTracing(file: string): void {
	const exporter: SpanExporter = {
		export(spans: ReadableSpan[], done) {
			for (const span of spans) appendFileSync(file, JSON.stringify({ name: span.name, attributes: span.attributes }) + '\n');
			done({ code: 0 });
		},
		shutdown: async () => {}
	};
	trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
}
