import type { AccessRequestNotice, AccessRequestNotifier } from '../domain/access-requests/ports.js';
import type { ReviewNotice, ReviewNotifier } from '../domain/reviews/ports.js';
import type { Notice, NoticeSink } from './notice.js';

export interface DeliveryFailure {
  sink: string;
  notice: Notice;
  attempts: number;
  error: unknown;
}

export interface DispatcherSettings {
  attempts: number;
  backoffMs: number;
  /** Told of a notice a sink never took after every attempt (credvend audits it). */
  onFailure: (failure: DeliveryFailure) => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Delivers each notice to every sink at once, retrying each a bounded number of times with
 * doubling backoff. It never throws: a transition is already stored when it is notified,
 * and a sink that is down must not undo or block it.
 */
export class NotificationDispatcher implements AccessRequestNotifier, ReviewNotifier {
  constructor(
    private readonly sinks: readonly NoticeSink[],
    private readonly settings: DispatcherSettings,
  ) {}

  async notify(notice: AccessRequestNotice): Promise<void> {
    await Promise.all(this.sinks.map((sink) => this.deliver(sink, notice)));
  }

  async notifyReview(notice: ReviewNotice): Promise<void> {
    await Promise.all(this.sinks.map((sink) => this.deliver(sink, notice)));
  }

  private async deliver(sink: NoticeSink, notice: Notice): Promise<void> {
    const sleep = this.settings.sleep ?? pause;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.settings.attempts; attempt++) {
      try {
        await sink.deliver(notice);
        return;
      } catch (error) {
        lastError = error;
        if (attempt < this.settings.attempts) await sleep(this.settings.backoffMs * 2 ** (attempt - 1));
      }
    }
    try {
      await this.settings.onFailure({
        sink: sink.name,
        notice,
        attempts: this.settings.attempts,
        error: lastError,
      });
    } catch {
      // Recording the failure failed too; the transition stands regardless.
    }
  }
}
