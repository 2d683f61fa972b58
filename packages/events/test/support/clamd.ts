// The clamd launcher lives in @uplink/launchers so the server's tests start the same one.
export { EICAR, type RunningClamd, startClamd } from '@uplink/testing'
