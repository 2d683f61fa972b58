import type { VideoFacts } from '@uplink/core/browser'

/** A duration as m:ss, or h:mm:ss from an hour up (rounded to the second). */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

/** "0:05 · 320×240": what a video card says about the video itself. */
export function describeVideo(video: VideoFacts): string {
  return `${formatDuration(video.durationSeconds)} · ${video.width}×${video.height}`
}
