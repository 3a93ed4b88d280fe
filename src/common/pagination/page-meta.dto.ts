import { ApiProperty } from '@nestjs/swagger';

export class PaginationMetaDto {
  @ApiProperty({ type: 'integer', example: 20 }) limit!: number;
  @ApiProperty({ example: true }) hasMore!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` to get the next page; null on the last page.',
    example: 'eyJ2IjoxLCJpZCI6IjAxOTM...',
  })
  nextCursor!: string | null;
}

export class PageMetaDto {
  @ApiProperty({ type: PaginationMetaDto }) pagination!: PaginationMetaDto;
}
