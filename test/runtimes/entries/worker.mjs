// Runs the bundled core path under Cloudflare workerd: POST the input JSON, get the output JSON.
import { runCorePath } from './core-path.mjs'

export default {
  async fetch(request) {
    try {
      const input = await request.json()
      return Response.json(await runCorePath(input, 'workerd'))
    } catch (error) {
      return new Response(String(error?.stack ?? error), { status: 500 })
    }
  },
}
