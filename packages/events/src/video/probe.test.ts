import { describe, expect, it } from 'vitest'
import { parseProbe, probeArgs } from './probe.ts'

const stream = (s: object) => ({
  codec_type: 'video',
  codec_name: 'h264',
  width: 320,
  height: 240,
  ...s,
})

describe('parseProbe', () => {
  it('reads duration, size, codecs and bitrate from ffprobe JSON', () => {
    const json = JSON.stringify({
      streams: [stream({}), { codec_type: 'audio', codec_name: 'aac' }],
      format: { duration: '5.000000', bit_rate: '115907' },
    })
    expect(parseProbe(json)).toEqual({
      durationSeconds: 5,
      width: 320,
      height: 240,
      videoCodec: 'h264',
      audioCodec: 'aac',
      bitrate: 115907,
    })
  })

  it('has no playable video without a video stream, with only cover art, or without a duration', () => {
    const audioOnly = {
      streams: [{ codec_type: 'audio', codec_name: 'mp3' }],
      format: { duration: '3' },
    }
    const coverArt = {
      streams: [stream({ disposition: { attached_pic: 1 } })],
      format: { duration: '3' },
    }
    const noDuration = { streams: [stream({})], format: { duration: 'N/A' } }
    for (const json of [audioOnly, coverArt, noDuration, {}]) {
      expect(parseProbe(JSON.stringify(json))).toBeUndefined()
    }
    expect(parseProbe('{')).toBeUndefined()
  })

  it('gives a null audio codec and bitrate when there are none', () => {
    const json = JSON.stringify({ streams: [stream({})], format: { duration: '2.5' } })
    expect(parseProbe(json)).toMatchObject({ audioCodec: null, bitrate: null })
  })
})

describe('probeArgs', () => {
  it('allows network protocols only and pins the demuxer the sniff proved', () => {
    const args = probeArgs('https://s3/k', 'video/webm', 15_000)
    expect(args.join(' ')).toContain(
      '-protocol_whitelist http,https,tcp,tls -rw_timeout 15000000 -f matroska',
    )
    expect(args.at(-1)).toBe('https://s3/k')
  })
})
