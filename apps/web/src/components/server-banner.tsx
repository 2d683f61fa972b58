import { useSyncExternalStore } from 'react'
import type { ServerWatch } from '../upload/server-watch.ts'
import { retryText } from '../upload/upload-state.ts'
import type { FileWithState } from '../upload/use-upload-states.ts'

/**
 * Says so when uploads wait for a server that does not answer, when the next try is, and
 * offers to try now. Silent otherwise (and while offline: the connection banner speaks then).
 */
export function ServerBanner({ watch, states }: { watch: ServerWatch; states: FileWithState[] }) {
  const health = useSyncExternalStore(watch.subscribe, () => watch.health())
  const waiting = states.find((s) => s.state.kind === 'waiting')?.state
  return (
    <div
      role="status"
      className="connection server-status"
      // When the next probe is due (page time): lets a test see that a probe's answer was taken in.
      data-next-probe-at={health.kind === 'down' ? health.nextProbeAt : undefined}
    >
      {health.kind === 'down' && waiting?.kind === 'waiting' && (
        <>
          <span>
            The server is not answering. Your uploads wait and continue by themselves when it is
            back: {retryText(waiting.retryInSeconds)}.
          </span>{' '}
          <button type="button" onClick={() => watch.retryNow()}>
            Retry now
          </button>
        </>
      )}
    </div>
  )
}
