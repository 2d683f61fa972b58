import { readdirSync, readFileSync } from 'node:fs'

/** pid → parent pid and CPU ticks (utime + stime), for every process (Linux /proc). */
function processTable(): Map<number, { ppid: number; ticks: number; cmd: string }> {
  const table = new Map<number, { ppid: number; ticks: number; cmd: string }>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8')
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8')
      table.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), cmd })
    } catch {
      // gone meanwhile
    }
  }
  return table
}

/**
 * CPU seconds (user + system) that `pid` and its descendants have used so far: the figure a
 * loaded machine distorts least (wall time there is mostly waiting for a core).
 */
export function treeCpuSeconds(pid: number): number {
  const table = processTable()
  let ticks = 0
  const walk = (p: number) => {
    ticks += table.get(p)?.ticks ?? 0
    for (const [child, s] of table) if (s.ppid === p) walk(child)
  }
  walk(pid)
  return ticks / 100
}

/** The child of this process whose command line contains `word` (chromium, versitygw). */
export function childPid(word: string): number {
  for (const [pid, s] of processTable()) {
    if (s.ppid === process.pid && s.cmd.includes(word)) return pid
  }
  throw new Error(`no ${word} child process`)
}

/** This process's own CPU seconds so far (the Node client of a direct upload). */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}
