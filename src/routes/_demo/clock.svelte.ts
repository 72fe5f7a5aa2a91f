/**
 * A clock that ticks once a second while a component reads it, for countdowns. `now` is the
 * server's render time until the component hydrates, so server and browser render the same text.
 */
export class Clock {
	now = $state(0);

	constructor(start: number) {
		this.now = start;
		$effect(() => {
			this.now = Date.now();
			const timer = setInterval(() => (this.now = Date.now()), 1000);
			return () => clearInterval(timer);
		});
	}
}
