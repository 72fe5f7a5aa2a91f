// Time formatting for the demo pages. A fixed locale; the time zone is the server's while rendering
// there and the user's once the page hydrates (Svelte updates the text).

const UNITS: [label: string, ms: number][] = [
	['d', 86_400_000],
	['h', 3_600_000],
	['min', 60_000],
	['s', 1_000]
];

/** `6 d 23 h`: a duration in its largest `units` units, down to whole seconds. */
export function duration(ms: number, units = 2): string {
	let rest = Math.max(0, Math.floor(ms / 1000)) * 1000;
	const parts: string[] = [];
	for (const [label, size] of UNITS) {
		const n = Math.floor(rest / size);
		rest -= n * size;
		if (parts.length > 0 || n > 0 || size === 1000) parts.push(`${n} ${label}`);
		if (parts.length === units) break;
	}
	return parts.join(' ');
}

/** A date and time for people: `Jan 1, 2030, 12:00:00`. */
export function dateTime(ms: number): string {
	return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' }).format(ms);
}

/** An ISO 8601 timestamp for `<time datetime>`. */
export function iso(ms: number): string {
	return new Date(ms).toISOString();
}

/** Initials for an avatar: `Ada Lovelace` → `AL`. */
export function initials(name: string): string {
	const words = name.trim().split(/\s+/).filter(Boolean);
	const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : name.slice(0, 2);
	return letters.toUpperCase();
}
