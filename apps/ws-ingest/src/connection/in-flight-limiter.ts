// Bounded in-flight batches per connection. A batch is in flight from the moment it is read until
// its ack (or nack) has been handed to the kernel. At the limit the socket's read side is paused,
// so a producer that outruns the server (or stops reading its acks) is held back by TCP flow
// control instead of growing the server's buffers; reading resumes at half the limit.

export class InFlightLimiter {
  inFlight = 0;
  /** Highest in-flight count seen on this connection. */
  maxSeen = 0;
  paused = false;
  pauses = 0;

  constructor(
    private readonly max: number,
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  /** A batch was read. */
  taken(): void {
    this.inFlight += 1;
    if (this.inFlight > this.maxSeen) this.maxSeen = this.inFlight;
    if (!this.paused && this.inFlight >= this.max) {
      this.paused = true;
      this.pauses += 1;
      this.pause();
    }
  }

  /** Its answer reached the kernel. */
  settled(): void {
    this.inFlight -= 1;
    if (this.paused && this.inFlight <= this.max >> 1) {
      this.paused = false;
      this.resume();
    }
  }
}
