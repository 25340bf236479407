/**
 * `subscriptions/listen` (2026-07-28): a request that stays open until the client cancels it,
 * carrying the list-changed and resource-updated notifications its filter asks for, each
 * tagged with the request's id as `io.modelcontextprotocol/subscriptionId`. The first message
 * of the stream is `notifications/subscriptions/acknowledged` with the filter the server honours.
 * With the tasks extension, `taskIds` asks for `notifications/tasks` of those tasks. When the
 * server ends its streams (at shutdown) each gets its result, the graceful end the specification
 * asks for, carrying the subscription id.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import { RequestContext } from "../../protocol/RequestContext.js"
import * as Router from "../../protocol/Router.js"
import { MetaKeys, type SubscriptionFilter, SubscriptionsListenRequestParams } from "../../schema/stateless.js"
import type { Connections, Listener } from "./connections.js"
import { declaresExtension, extensionRequired } from "./tasks.js"

/** The part of `requested` this server honours: every kind it serves, only the ones asked for. */
const honoured = (requested: SubscriptionFilter): SubscriptionFilter => {
  const filter: { -readonly [K in keyof SubscriptionFilter]: SubscriptionFilter[K] } = {}
  if (requested.toolsListChanged === true) filter.toolsListChanged = true
  if (requested.promptsListChanged === true) filter.promptsListChanged = true
  if (requested.resourcesListChanged === true) filter.resourcesListChanged = true
  if (requested.resourceSubscriptions !== undefined) filter.resourceSubscriptions = requested.resourceSubscriptions
  if (requested.taskIds !== undefined) filter.taskIds = requested.taskIds
  return filter
}

export const routes = (connections: Connections): ReadonlyArray<Router.Route<any, any>> => [
  Router.request("subscriptions/listen", SubscriptionsListenRequestParams, (params) =>
    Effect.flatMap(RequestContext, (request) => {
      // Task notifications belong to the tasks extension, which the client must declare.
      if (params.notifications.taskIds !== undefined && !declaresExtension(request)) return Effect.fail(extensionRequired())
      const meta = { [MetaKeys.subscriptionId]: request.id }
      const filter = honoured(params.notifications)
      const listener: Listener = {
        filter,
        send: (method, notification) => request.notify(method, { ...notification, _meta: meta }),
        session: request.session,
        end: Deferred.unsafeMake(FiberId.none)
      }
      return Effect.zipRight(
        request.notify("notifications/subscriptions/acknowledged", { _meta: meta, notifications: filter }),
        Effect.acquireUseRelease(
          Effect.sync(() => connections.listen(listener)),
          () => Effect.as(Deferred.await(listener.end), { _meta: meta }),
          () => Effect.sync(() => connections.unlisten(listener))
        )
      )
    }), { priority: "stream" })
]
