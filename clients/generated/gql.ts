/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation AddTicketComment($ticketId: ID!, $body: String!) {\n  addTicketComment(ticketId: $ticketId, body: $body) {\n    id\n    body\n    author\n    createdAt\n  }\n}": typeof types.AddTicketCommentDocument,
    "mutation CancelSubscription($atPeriodEnd: Boolean = true) {\n  cancelSubscription(atPeriodEnd: $atPeriodEnd) {\n    id\n    status\n    plan\n    currentPeriodEnd\n    cancelAtPeriodEnd\n  }\n}": typeof types.CancelSubscriptionDocument,
    "mutation ConfirmDocumentUpload($id: ID!) {\n  confirmDocumentUpload(id: $id) {\n    id\n    name\n    size\n    contentType\n    uploadedAt\n    downloadUrl\n  }\n}": typeof types.ConfirmDocumentUploadDocument,
    "query CustomerSearch($search: String, $first: Int = 20, $after: String) {\n  customers(search: $search, first: $first, after: $after) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        email\n        company\n        lifecycleStage\n        billing {\n          currency\n          balance\n          subscription {\n            status\n            plan\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.CustomerSearchDocument,
    "query Dashboard {\n  me {\n    id\n    name\n    email\n    phone\n    company\n    lifecycleStage\n    billing {\n      currency\n      balance\n      subscription {\n        id\n        status\n        plan\n        currentPeriodEnd\n      }\n      paymentMethods {\n        brand\n        last4\n        expMonth\n        expYear\n      }\n      invoices(first: 10) {\n        totalCount\n        nodes {\n          id\n          number\n          status\n          amountDue\n          amountPaid\n          currency\n          dueDate\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n    tickets(first: 10) {\n      nodes {\n        id\n        subject\n        status\n        priority\n        createdAt\n        updatedAt\n        comments {\n          id\n          body\n          author\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    documents(first: 10) {\n      nodes {\n        id\n        name\n        size\n        contentType\n        uploadedAt\n        downloadUrl\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.DashboardDocument,
    "query DocumentsPage($first: Int = 20, $after: String) {\n  me {\n    id\n    documents(first: $first, after: $after) {\n      totalCount\n      nodes {\n        id\n        name\n        size\n        contentType\n        uploadedAt\n        downloadUrl\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.DocumentsPageDocument,
    "query InvoicesPage($first: Int = 20, $after: String) {\n  me {\n    id\n    billing {\n      currency\n      invoices(first: $first, after: $after) {\n        totalCount\n        nodes {\n          id\n          number\n          status\n          amountDue\n          amountPaid\n          amountRemaining\n          currency\n          dueDate\n          createdAt\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n}": typeof types.InvoicesPageDocument,
    "mutation OpenTicket($input: OpenTicketInput!) {\n  openTicket(input: $input) {\n    id\n    subject\n    status\n    priority\n    createdAt\n    updatedAt\n  }\n}": typeof types.OpenTicketDocument,
    "mutation RequestDocumentUpload($input: RequestDocumentUploadInput!) {\n  requestDocumentUpload(input: $input) {\n    id\n    url\n    fields {\n      name\n      value\n    }\n    expiresAt\n    maxSize\n  }\n}": typeof types.RequestDocumentUploadDocument,
    "mutation ResumeSubscription {\n  resumeSubscription {\n    id\n    status\n    plan\n    currentPeriodEnd\n    cancelAtPeriodEnd\n  }\n}": typeof types.ResumeSubscriptionDocument,
    "query TicketsPage($first: Int = 20, $after: String) {\n  me {\n    id\n    tickets(first: $first, after: $after) {\n      nodes {\n        id\n        subject\n        status\n        priority\n        createdAt\n        updatedAt\n        comments {\n          id\n          body\n          author\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.TicketsPageDocument,
};
const documents: Documents = {
    "mutation AddTicketComment($ticketId: ID!, $body: String!) {\n  addTicketComment(ticketId: $ticketId, body: $body) {\n    id\n    body\n    author\n    createdAt\n  }\n}": types.AddTicketCommentDocument,
    "mutation CancelSubscription($atPeriodEnd: Boolean = true) {\n  cancelSubscription(atPeriodEnd: $atPeriodEnd) {\n    id\n    status\n    plan\n    currentPeriodEnd\n    cancelAtPeriodEnd\n  }\n}": types.CancelSubscriptionDocument,
    "mutation ConfirmDocumentUpload($id: ID!) {\n  confirmDocumentUpload(id: $id) {\n    id\n    name\n    size\n    contentType\n    uploadedAt\n    downloadUrl\n  }\n}": types.ConfirmDocumentUploadDocument,
    "query CustomerSearch($search: String, $first: Int = 20, $after: String) {\n  customers(search: $search, first: $first, after: $after) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        email\n        company\n        lifecycleStage\n        billing {\n          currency\n          balance\n          subscription {\n            status\n            plan\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.CustomerSearchDocument,
    "query Dashboard {\n  me {\n    id\n    name\n    email\n    phone\n    company\n    lifecycleStage\n    billing {\n      currency\n      balance\n      subscription {\n        id\n        status\n        plan\n        currentPeriodEnd\n      }\n      paymentMethods {\n        brand\n        last4\n        expMonth\n        expYear\n      }\n      invoices(first: 10) {\n        totalCount\n        nodes {\n          id\n          number\n          status\n          amountDue\n          amountPaid\n          currency\n          dueDate\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n    tickets(first: 10) {\n      nodes {\n        id\n        subject\n        status\n        priority\n        createdAt\n        updatedAt\n        comments {\n          id\n          body\n          author\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    documents(first: 10) {\n      nodes {\n        id\n        name\n        size\n        contentType\n        uploadedAt\n        downloadUrl\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.DashboardDocument,
    "query DocumentsPage($first: Int = 20, $after: String) {\n  me {\n    id\n    documents(first: $first, after: $after) {\n      totalCount\n      nodes {\n        id\n        name\n        size\n        contentType\n        uploadedAt\n        downloadUrl\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.DocumentsPageDocument,
    "query InvoicesPage($first: Int = 20, $after: String) {\n  me {\n    id\n    billing {\n      currency\n      invoices(first: $first, after: $after) {\n        totalCount\n        nodes {\n          id\n          number\n          status\n          amountDue\n          amountPaid\n          amountRemaining\n          currency\n          dueDate\n          createdAt\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n}": types.InvoicesPageDocument,
    "mutation OpenTicket($input: OpenTicketInput!) {\n  openTicket(input: $input) {\n    id\n    subject\n    status\n    priority\n    createdAt\n    updatedAt\n  }\n}": types.OpenTicketDocument,
    "mutation RequestDocumentUpload($input: RequestDocumentUploadInput!) {\n  requestDocumentUpload(input: $input) {\n    id\n    url\n    fields {\n      name\n      value\n    }\n    expiresAt\n    maxSize\n  }\n}": types.RequestDocumentUploadDocument,
    "mutation ResumeSubscription {\n  resumeSubscription {\n    id\n    status\n    plan\n    currentPeriodEnd\n    cancelAtPeriodEnd\n  }\n}": types.ResumeSubscriptionDocument,
    "query TicketsPage($first: Int = 20, $after: String) {\n  me {\n    id\n    tickets(first: $first, after: $after) {\n      nodes {\n        id\n        subject\n        status\n        priority\n        createdAt\n        updatedAt\n        comments {\n          id\n          body\n          author\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.TicketsPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AddTicketComment($ticketId: ID!, $body: String!) {\n  addTicketComment(ticketId: $ticketId, body: $body) {\n    id\n    body\n    author\n    createdAt\n  }\n}"): (typeof documents)["mutation AddTicketComment($ticketId: ID!, $body: String!) {\n  addTicketComment(ticketId: $ticketId, body: $body) {\n    id\n    body\n    author\n    createdAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CancelSubscription($atPeriodEnd: Boolean = true) {\n  cancelSubscription(atPeriodEnd: $atPeriodEnd) {\n    id\n    status\n    plan\n    currentPeriodEnd\n    cancelAtPeriodEnd\n  }\n}"): (typeof documents)["mutation CancelSubscription($atPeriodEnd: Boolean = true) {\n  cancelSubscription(atPeriodEnd: $atPeriodEnd) {\n    id\n    status\n    plan\n    currentPeriodEnd\n    cancelAtPeriodEnd\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ConfirmDocumentUpload($id: ID!) {\n  confirmDocumentUpload(id: $id) {\n    id\n    name\n    size\n    contentType\n    uploadedAt\n    downloadUrl\n  }\n}"): (typeof documents)["mutation ConfirmDocumentUpload($id: ID!) {\n  confirmDocumentUpload(id: $id) {\n    id\n    name\n    size\n    contentType\n    uploadedAt\n    downloadUrl\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CustomerSearch($search: String, $first: Int = 20, $after: String) {\n  customers(search: $search, first: $first, after: $after) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        email\n        company\n        lifecycleStage\n        billing {\n          currency\n          balance\n          subscription {\n            status\n            plan\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query CustomerSearch($search: String, $first: Int = 20, $after: String) {\n  customers(search: $search, first: $first, after: $after) {\n    totalCount\n    edges {\n      cursor\n      node {\n        id\n        name\n        email\n        company\n        lifecycleStage\n        billing {\n          currency\n          balance\n          subscription {\n            status\n            plan\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Dashboard {\n  me {\n    id\n    name\n    email\n    phone\n    company\n    lifecycleStage\n    billing {\n      currency\n      balance\n      subscription {\n        id\n        status\n        plan\n        currentPeriodEnd\n      }\n      paymentMethods {\n        brand\n        last4\n        expMonth\n        expYear\n      }\n      invoices(first: 10) {\n        totalCount\n        nodes {\n          id\n          number\n          status\n          amountDue\n          amountPaid\n          currency\n          dueDate\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n    tickets(first: 10) {\n      nodes {\n        id\n        subject\n        status\n        priority\n        createdAt\n        updatedAt\n        comments {\n          id\n          body\n          author\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    documents(first: 10) {\n      nodes {\n        id\n        name\n        size\n        contentType\n        uploadedAt\n        downloadUrl\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query Dashboard {\n  me {\n    id\n    name\n    email\n    phone\n    company\n    lifecycleStage\n    billing {\n      currency\n      balance\n      subscription {\n        id\n        status\n        plan\n        currentPeriodEnd\n      }\n      paymentMethods {\n        brand\n        last4\n        expMonth\n        expYear\n      }\n      invoices(first: 10) {\n        totalCount\n        nodes {\n          id\n          number\n          status\n          amountDue\n          amountPaid\n          currency\n          dueDate\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n    tickets(first: 10) {\n      nodes {\n        id\n        subject\n        status\n        priority\n        createdAt\n        updatedAt\n        comments {\n          id\n          body\n          author\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    documents(first: 10) {\n      nodes {\n        id\n        name\n        size\n        contentType\n        uploadedAt\n        downloadUrl\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DocumentsPage($first: Int = 20, $after: String) {\n  me {\n    id\n    documents(first: $first, after: $after) {\n      totalCount\n      nodes {\n        id\n        name\n        size\n        contentType\n        uploadedAt\n        downloadUrl\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query DocumentsPage($first: Int = 20, $after: String) {\n  me {\n    id\n    documents(first: $first, after: $after) {\n      totalCount\n      nodes {\n        id\n        name\n        size\n        contentType\n        uploadedAt\n        downloadUrl\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query InvoicesPage($first: Int = 20, $after: String) {\n  me {\n    id\n    billing {\n      currency\n      invoices(first: $first, after: $after) {\n        totalCount\n        nodes {\n          id\n          number\n          status\n          amountDue\n          amountPaid\n          amountRemaining\n          currency\n          dueDate\n          createdAt\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query InvoicesPage($first: Int = 20, $after: String) {\n  me {\n    id\n    billing {\n      currency\n      invoices(first: $first, after: $after) {\n        totalCount\n        nodes {\n          id\n          number\n          status\n          amountDue\n          amountPaid\n          amountRemaining\n          currency\n          dueDate\n          createdAt\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation OpenTicket($input: OpenTicketInput!) {\n  openTicket(input: $input) {\n    id\n    subject\n    status\n    priority\n    createdAt\n    updatedAt\n  }\n}"): (typeof documents)["mutation OpenTicket($input: OpenTicketInput!) {\n  openTicket(input: $input) {\n    id\n    subject\n    status\n    priority\n    createdAt\n    updatedAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RequestDocumentUpload($input: RequestDocumentUploadInput!) {\n  requestDocumentUpload(input: $input) {\n    id\n    url\n    fields {\n      name\n      value\n    }\n    expiresAt\n    maxSize\n  }\n}"): (typeof documents)["mutation RequestDocumentUpload($input: RequestDocumentUploadInput!) {\n  requestDocumentUpload(input: $input) {\n    id\n    url\n    fields {\n      name\n      value\n    }\n    expiresAt\n    maxSize\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ResumeSubscription {\n  resumeSubscription {\n    id\n    status\n    plan\n    currentPeriodEnd\n    cancelAtPeriodEnd\n  }\n}"): (typeof documents)["mutation ResumeSubscription {\n  resumeSubscription {\n    id\n    status\n    plan\n    currentPeriodEnd\n    cancelAtPeriodEnd\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TicketsPage($first: Int = 20, $after: String) {\n  me {\n    id\n    tickets(first: $first, after: $after) {\n      nodes {\n        id\n        subject\n        status\n        priority\n        createdAt\n        updatedAt\n        comments {\n          id\n          body\n          author\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query TicketsPage($first: Int = 20, $after: String) {\n  me {\n    id\n    tickets(first: $first, after: $after) {\n      nodes {\n        id\n        subject\n        status\n        priority\n        createdAt\n        updatedAt\n        comments {\n          id\n          body\n          author\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;