import { Injectable, PipeTransform } from '@nestjs/common';
import { AppException } from '../errors/app.exception';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Path ids are opaque: one that is not even a UUID names nothing, so it is a 404 like any
 * other unknown id (and never reaches PostgreSQL as an invalid uuid).
 */
@Injectable()
export class ResourceIdPipe implements PipeTransform<string, string> {
  constructor(private readonly resource: string) {}

  transform(value: string): string {
    if (!UUID.test(value)) {
      throw AppException.notFound(this.resource);
    }
    return value.toLowerCase();
  }
}
