import { useEffect, useState } from 'react'

type Connection = 'online' | 'offline' | 'reconnected'

/** One polite live region saying when the network is gone and when uploads carry on. */
export function ConnectionBanner() {
  const [state, setState] = useState<Connection>(() => (navigator.onLine ? 'online' : 'offline'))
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const offline = () => {
      clearTimeout(timer)
      setState('offline')
    }
    const online = () => {
      setState('reconnected')
      timer = setTimeout(() => setState('online'), 6000)
    }
    window.addEventListener('offline', offline)
    window.addEventListener('online', online)
    return () => {
      clearTimeout(timer)
      window.removeEventListener('offline', offline)
      window.removeEventListener('online', online)
    }
  }, [])
  return (
    <div role="status" className={`connection connection-${state}`}>
      {state === 'offline' &&
        'You are offline. Uploads are paused and will continue by themselves when the connection is back.'}
      {state === 'reconnected' && 'Back online: reconnecting and resuming your uploads.'}
    </div>
  )
}
