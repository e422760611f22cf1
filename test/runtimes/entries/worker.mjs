// Runs the bundled core path under Cloudflare workerd: POST the input JSON, get the output JSON.
// The modules `leafwise compile` wrote for the matrix (aot-models.mjs) are imported in the
// request, not at start-up: workerd allows eval and new Function while a Worker starts but
// refuses them in a request, so an AOT module generating code anywhere, even at its top
// level, fails here.
import { runCorePath } from './core-path.mjs'

export default {
  async fetch(request) {
    try {
      const { default: aot } = await import('./aot-models.mjs')
      const input = await request.json()
      return Response.json(await runCorePath(input, 'workerd', aot))
    } catch (error) {
      return new Response(String(error?.stack ?? error), { status: 500 })
    }
  },
}
